/** @type {import('jest').Config} End-to-end tests: the Angular example in headless Chromium (`npm run test:e2e`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/e2e'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 60000,
  // One browser at a time: the machine has two cores.
  maxWorkers: 1,
};
