/** Unit tests only: what mutation testing runs for every mutant (no Redis needed). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/unit/**/*.spec.ts'],
  // The documentation's snippets (docs/snippets) import the package by name.
  moduleNameMapper: {
    '^tta-agent-coordination$': '<rootDir>/lib/index.ts',
    '^tta-agent-coordination/testing$': '<rootDir>/lib/testing/index.ts',
  },
};
