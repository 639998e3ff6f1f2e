/** Tests against a real API (in this process) on a real Redis started by @tq/testing. */
module.exports = require('@tq/testing/jest-preset').withRedis({
  // The sources import siblings as './x.js' (what ES modules need); jest resolves them to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
});
