// A CommonJS handler module, the shape HANDLER_MODULES expects.
exports.handlers = {
  greet: async ({ payload }) => `hello ${payload}`,
};
