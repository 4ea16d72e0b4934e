/**
 * jest's in-band runner that, while a mutant is active, stops loading test files once one has
 * reported a failing test: that test has killed the mutant, and requiring each remaining file
 * only for ./mutation-environment.js to skip its tests would cost a second or so per file.
 */
const TestRunner = require('jest-runner').default;

/** Whether a test file's result (or the error it failed to run with) says a test failed. */
function failed(result) {
  return result.numFailingTests > 0 || result.testExecError !== undefined;
}

class StopAtFirstFailureRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || !options.serial) {
      return super.runTests(tests, watcher, options);
    }
    let killed = false;
    const offSuccess = this.on('test-file-success', ([, result]) => {
      if (failed(result)) killed = true;
    });
    const offFailure = this.on('test-file-failure', () => {
      killed = true;
    });
    try {
      for (const test of tests) {
        if (killed) break;
        await super.runTests([test], watcher, options);
      }
    } finally {
      offSuccess();
      offFailure();
    }
  }
}

module.exports = StopAtFirstFailureRunner;
