/** Packs, installs with npm into a scratch project and runs real processes: minutes, one file at a time. */
module.exports = require('@tq/testing/jest-preset').plain({ testTimeout: 300000 });
