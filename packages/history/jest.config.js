/** Tests talk to a real PostgreSQL: TEST_DATABASE_URL, the local server, or a private one (@tq/testing). */
module.exports = require('@tq/testing/jest-preset').plain({ testTimeout: 120000 });
