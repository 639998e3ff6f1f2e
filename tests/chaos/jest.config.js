/**
 * Scenarios (src/scenarios, selected by TQ_CHAOS) start their own redis-servers and services; the harness
 * unit tests (src/harness) need no Redis. The global setup and teardown write results/report.{json,md}.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  globalSetup: '<rootDir>/src/harness/global-setup.ts',
  globalTeardown: '<rootDir>/src/harness/global-teardown.ts',
  testTimeout: 300000,
};
