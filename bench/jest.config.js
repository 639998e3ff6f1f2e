module.exports = require('@tq/testing/jest-preset').plain();
