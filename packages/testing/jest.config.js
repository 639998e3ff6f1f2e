module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  testTimeout: 60000,
};
