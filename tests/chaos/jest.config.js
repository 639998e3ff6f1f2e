/** Scenarios start their own redis-servers and services; the harness unit tests need no Redis. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  testTimeout: 300000,
};
