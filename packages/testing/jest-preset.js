/**
 * The shared jest settings of tq's packages: TypeScript through ts-jest, tests in src/**\/*.test.ts.
 * `withRedis(overrides)` adds the global setup that starts a private Redis (or uses REDIS_URL).
 */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
};

/** Settings for suites without Redis. */
function plain(overrides = {}) {
  return { ...base, ...overrides };
}

/** Settings for suites that talk to a real Redis started by @tq/testing. */
function withRedis(overrides = {}) {
  return {
    ...base,
    globalSetup: '@tq/testing/jest-global-setup',
    globalTeardown: '@tq/testing/jest-global-teardown',
    testTimeout: 60000,
    ...overrides,
  };
}

module.exports = { plain, withRedis };
