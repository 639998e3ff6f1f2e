/** Integration tests talk to a real Redis started by @tq/testing (see packages/testing/README.md). */
module.exports = require('@tq/testing/jest-preset').withRedis();
