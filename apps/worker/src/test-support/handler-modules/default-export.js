// What TypeScript emits for `export default { ... }` compiled to CommonJS.
Object.defineProperty(exports, '__esModule', { value: true });
exports.default = {
  shout: async ({ payload }) => String(payload).toUpperCase(),
};
