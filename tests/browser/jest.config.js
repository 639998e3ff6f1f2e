/** A browser and the services as real processes: one file at a time, generous deadlines for a busy machine. */
module.exports = require('@tq/testing/jest-preset').plain({ testTimeout: 120000, maxWorkers: 1 });
