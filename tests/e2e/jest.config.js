/** Real processes on a test Redis: slower than unit suites. */
module.exports = require('@tq/testing/jest-preset').withRedis({ testTimeout: 120000 });
