/**
 * The node test environment, plus two things for mutation runs (jest.mutation.config.js):
 * - While no mutant is active (Stryker's initial run) it records which test file holds which
 *   tests, for ./test-sequencer.js.
 * - Once a test fails under the active mutant, that mutant is killed: every later test of the
 *   run is skipped, so a mutant that makes tests wait costs one test timeout, not one per test.
 */
const { appendFileSync } = require('node:fs');
const NodeEnvironment = require('jest-environment-node').default;
const { RECORD } = require('./test-files.js');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** The mutant a test has failed under; the module stays loaded across one worker's runs. */
let killedMutant;

/** A test's full name as jest and Stryker spell it: its describe titles and its own. */
function fullName(test) {
  const titles = [];
  for (let block = test; block !== undefined && block.parent !== undefined; block = block.parent) {
    titles.unshift(block.name);
  }
  return titles.join(' ');
}

/** Marks every test under `block` skipped (their hooks then do not run either). */
function skipAll(block) {
  for (const child of block.children) {
    if (child.type === 'test') child.mode = 'skip';
    else skipAll(child);
  }
}

class MutationEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.names = [];
  }

  async handleTestEvent(event, state) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) {
      if (event.name === 'test_done') this.names.push(fullName(event.test));
      if (event.name === 'run_finish') {
        appendFileSync(RECORD, `${JSON.stringify({ path: this.testPath, names: this.names })}\n`);
      }
      return;
    }
    if (event.name === 'test_done' && event.test.errors.length > 0) killedMutant = mutant;
    if (killedMutant !== mutant) return;
    if (event.name === 'run_start') skipAll(state.rootDescribeBlock);
    if (event.name === 'test_start') event.test.mode = 'skip';
  }
}

module.exports = MutationEnvironment;
