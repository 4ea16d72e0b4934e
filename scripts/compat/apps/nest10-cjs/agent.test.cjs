// The agent's unit test, run by jest as a CommonJS test file: requires the package and its
// `/testing` entry as a CommonJS app's tests do.
'use strict';
require('reflect-metadata');
const { defineAgentTest } = require('./agent-test.cjs');

defineAgentTest({
  pkg: require('tta-agent-coordination'),
  testing: require('tta-agent-coordination/testing'),
  t: { describe, it, beforeEach, afterEach },
});
