/**
 * jest's default order, keeping only the test files that hold a test matching the run's
 * `testNamePattern` (the tests Stryker says cover the active mutant). Files the record does not
 * know are kept. Without a pattern, or without a record, every file runs.
 */
const { rmSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;
const { RECORD, readTestFiles } = require('./test-files.js');

class CoveringTestsSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.pattern = options.globalConfig.testNamePattern;
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    // The initial run (no mutant active) records the test files anew.
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined) rmSync(RECORD, { force: true });
    if (!this.pattern) return sorted;
    const files = readTestFiles();
    if (files.size === 0) return sorted;
    const pattern = new RegExp(this.pattern, 'i');
    return sorted.filter((test) => {
      const names = files.get(test.path);
      return names === undefined || names.some((name) => pattern.test(name));
    });
  }
}

module.exports = CoveringTestsSequencer;
