/**
 * Projects: everything on the real Redis, the integration suite again on ioredis-mock, the
 * suites on a three-master Redis Cluster the tests start, and the failure-injection suites.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
const base = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Stryker's sandbox copies the whole package there while a mutation run is going.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  setupFiles: ['<rootDir>/test/support/seed.ts'],
  // The documentation's snippets (docs/snippets) import the package by name.
  moduleNameMapper: {
    '^tta-agent-coordination$': '<rootDir>/lib/index.ts',
    '^tta-agent-coordination/testing$': '<rootDir>/lib/testing/index.ts',
  },
};

module.exports = {
  collectCoverageFrom: ['lib/**/*.ts', '!lib/**/index.ts'],
  coverageReporters: ['text-summary', 'lcov', 'json-summary'],
  // Every line, branch, function and statement of lib/ is covered; an `istanbul ignore` needs
  // a one-line reason next to it (see docs/QUALITY.md, "Quality gates").
  coverageThreshold: {
    global: { statements: 100, branches: 100, functions: 100, lines: 100 },
  },
  // Generous: on a loaded machine a test that spawns Node processes (CLI, examples, two-process
  // e2e) can take well over 30 s; only a hung test waits this long.
  testTimeout: 120000,
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
      setupFiles: [...base.setupFiles, '<rootDir>/test/support/use-mock-backend.ts'],
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
