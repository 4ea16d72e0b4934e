/**
 * Projects: everything on the real Redis, the integration suite again on ioredis-mock, the
 * suites on a three-master Redis Cluster the tests start, and the failure-injection suites.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
const base = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  collectCoverageFrom: ['lib/**/*.ts', '!lib/**/index.ts'],
  coverageReporters: ['text-summary', 'lcov', 'json-summary'],
  // A floor the suite must keep (the target is 100%; see README "Quality gates").
  coverageThreshold: {
    global: { statements: 92, branches: 87, functions: 89, lines: 94 },
  },
  testTimeout: 30000,
  projects: [
    {
      ...base,
      displayName: 'redis',
      testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/test/cluster/', '/test/chaos/'],
    },
    {
      ...base,
      displayName: 'mock',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      setupFiles: ['<rootDir>/test/support/use-mock-backend.ts'],
    },
    {
      ...base,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.spec.ts'],
    },
  ],
};
