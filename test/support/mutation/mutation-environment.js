/**
 * The node test environment, plus two things for mutation runs (jest.mutation.config.js):
 * - While no mutant is active (Stryker's initial run) it records which test file holds which
 *   tests, for ./test-sequencer.js.
 * - Once a test fails under the active mutant, that mutant is killed: the file's later tests
 *   are skipped, so a mutant that makes tests wait costs one test timeout, not one per test
 *   (./test-runner.js then loads no further file).
 */
const { appendFileSync } = require('node:fs');
const NodeEnvironment = require('jest-environment-node').default;
const { RECORD } = require('./test-files.js');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/** A test's full name as jest and Stryker spell it: its describe titles and its own. */
function fullName(test) {
  const titles = [];
  for (let block = test; block !== undefined && block.parent !== undefined; block = block.parent) {
    titles.unshift(block.name);
  }
  return titles.join(' ');
}

class MutationEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.names = [];
    this.failed = false;
  }

  async handleTestEvent(event) {
    if (process.env[ACTIVE_MUTANT] === undefined) {
      if (event.name === 'test_done') this.names.push(fullName(event.test));
      if (event.name === 'run_finish') {
        appendFileSync(RECORD, `${JSON.stringify({ path: this.testPath, names: this.names })}\n`);
      }
      return;
    }
    if (event.name === 'test_done' && event.test.errors.length > 0) this.failed = true;
    if (event.name === 'test_start' && this.failed) event.test.mode = 'skip';
  }
}

module.exports = MutationEnvironment;
