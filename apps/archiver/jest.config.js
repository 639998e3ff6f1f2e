/** Integration tests talk to a real Redis and a real PostgreSQL started by @tq/testing. */
module.exports = require('@tq/testing/jest-preset').withRedis({ testTimeout: 120000 });
