/**
 * Where a mutation run's initial test run writes which test file holds which test (one JSON
 * line per test file), so that each mutant's run loads only the files holding the tests that
 * cover it: Stryker names those tests, and jest would otherwise load every test file related
 * to the mutated source (nearly all of them for the coordinator) only to skip most tests.
 */
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The record of test files, beside this file (inside Stryker's sandbox during a run). */
const RECORD = join(__dirname, '.test-files.jsonl');

/**
 * Test file path to the full names of its tests, as recorded; empty when nothing is.
 * @returns {Map<string, string[]>}
 */
function readTestFiles() {
  const files = new Map();
  if (!existsSync(RECORD)) return files;
  for (const line of readFileSync(RECORD, 'utf8').split('\n')) {
    if (line === '') continue;
    const { path, names } = JSON.parse(line);
    files.set(path, [...(files.get(path) ?? []), ...names]);
  }
  return files;
}

module.exports = { RECORD, readTestFiles };
