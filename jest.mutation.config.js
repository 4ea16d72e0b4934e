/**
 * What mutation testing of the Redis-backed and Nest files runs for each mutant: the unit,
 * integration, e2e and in-process CLI suites on the real server (127.0.0.1:6379, each test
 * file on a key prefix of its own). Left out: the suites that spawn Node processes (their code
 * is not instrumented, so they could not tell a mutant apart) and the cluster and chaos suites,
 * which start Redis servers of their own.
 */
const { join } = require('node:path');

const support = join(__dirname, 'test/support/mutation');

module.exports = {
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // The documentation's snippets (docs/snippets) import the package by name.
  moduleNameMapper: {
    '^tta-agent-coordination$': join(__dirname, 'lib/index.ts'),
    '^tta-agent-coordination/testing$': join(__dirname, 'lib/testing/index.ts'),
  },
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/cluster/',
    '<rootDir>/test/chaos/',
    '<rootDir>/test/examples/',
    '<rootDir>/test/e2e/sample-app.e2e-spec.ts',
    '<rootDir>/test/cli/cli-(agents|breakers|queues).spec.ts',
  ],
  // Each mutant's run loads only the test files holding the tests that cover it, and stops
  // running tests once one has failed (see test/support/mutation/).
  // (Full paths: Stryker wraps the environment and does not expand <rootDir>.)
  testEnvironment: join(support, 'mutation-environment.js'),
  testSequencer: join(support, 'test-sequencer.js'),
  runner: join(support, 'test-runner.js'),
  // A mutant that stops a reply makes a test wait: fail it soon (the slowest test takes ~4 s).
  testTimeout: 8000,
};
