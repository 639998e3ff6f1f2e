/** Integration tests talk to a real Redis started by @tq/testing (see packages/testing/README.md). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  globalSetup: '@tq/testing/jest-global-setup',
  globalTeardown: '@tq/testing/jest-global-teardown',
  testTimeout: 120000,
};
