// Runs test suites many times in a row and reports every test that failed at least once
// (`npm run test:soak`), to prove the suite does not flake.
//
//   node scripts/soak.mjs [--runs N] [--projects redis,mock] [--busy cpu|suite] [-- JEST ARGS…]
//
// --runs      how many times in a row (default 10)
// --projects  jest projects to run (default redis,mock)
// --busy      keep the machine loaded meanwhile: `cpu` spins one process per core, `suite` runs
//             a second copy of the same suites over and over
// --workers   jest workers per run (default 1: in band, as `npm test` runs); 2 runs the test
//             files two at a time, which both shortens a run and loads the machine
//
// Each run gets its own random jest seed (printed; `jest --seed N` repeats it, and fast-check
// properties take their seed from it, see test/support/seed.ts). Coverage is off. The report
// is printed and written to reports/soak/<time>.json; the exit code is 1 when any test failed.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

function parseArgs(argv) {
  const options = {
    runs: 10,
    projects: ['redis', 'mock'],
    busy: undefined,
    workers: 1,
    jestArgs: [],
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--') {
      options.jestArgs = argv.slice(i + 1);
      break;
    } else if (arg === '--runs') {
      options.runs = Number(argv[(i += 1)]);
      if (!Number.isInteger(options.runs) || options.runs < 1) {
        throw new Error('--runs takes a whole number of at least 1');
      }
    } else if (arg === '--workers') {
      options.workers = Number(argv[(i += 1)]);
      if (!Number.isInteger(options.workers) || options.workers < 1) {
        throw new Error('--workers takes a whole number of at least 1');
      }
    } else if (arg === '--projects') {
      options.projects = String(argv[(i += 1)]).split(',');
    } else if (arg === '--busy') {
      options.busy = argv[(i += 1)];
      if (options.busy !== 'cpu' && options.busy !== 'suite') {
        throw new Error('--busy takes cpu or suite');
      }
    } else {
      throw new Error(`unknown argument ${arg}; see the head of scripts/soak.mjs`);
    }
  }
  return options;
}

const JEST = join('node_modules', '.bin', 'jest');

function jestArgs(options, extra) {
  return [
    ...(options.workers === 1 ? ['--runInBand'] : ['--maxWorkers', String(options.workers)]),
    '--coverage=false',
    '--selectProjects',
    ...options.projects,
    ...extra,
    ...options.jestArgs,
  ];
}

/** Runs jest once; resolves with its exit code and parsed JSON results. */
function runJest(options, seed, outputFile) {
  const args = jestArgs(options, ['--seed', String(seed), '--json', '--outputFile', outputFile]);
  return new Promise((resolve) => {
    const child = spawn(JEST, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('close', (code) => {
      let results;
      try {
        results = JSON.parse(readFileSync(outputFile, 'utf8'));
      } catch {
        results = undefined;
      }
      resolve({ code, results, stderr });
    });
  });
}

/** Starts the load asked for; returns a function that stops it. */
function startLoad(options) {
  if (!options.busy) return () => undefined;
  const children = new Set();
  let stopped = false;
  if (options.busy === 'cpu') {
    for (let i = 0; i < cpus().length; i += 1) {
      children.add(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    }
  } else {
    const again = () => {
      if (stopped) return;
      const child = spawn(JEST, jestArgs(options, ['--silent']), { stdio: 'ignore' });
      children.add(child);
      child.on('close', () => {
        children.delete(child);
        again();
      });
    };
    again();
  }
  return () => {
    stopped = true;
    for (const child of children) child.kill('SIGKILL');
  };
}

/** Failed tests of one jest JSON result, with the first lines of their messages. */
function failuresOf(results) {
  const failed = [];
  for (const file of results.testResults) {
    const name = file.name.replace(`${process.cwd()}/`, '');
    if (file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed')) {
      // The file failed outside any test (it did not load, or a hook threw).
      failed.push({
        test: `${name} (file)`,
        message: file.message.split('\n').slice(0, 8).join('\n'),
      });
    }
    for (const test of file.assertionResults) {
      if (test.status !== 'failed') continue;
      const message = test.failureMessages.join('\n').split('\n').slice(0, 8).join('\n');
      failed.push({ test: `${name} › ${test.fullName}`, message });
    }
  }
  return failed;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dir = join(tmpdir(), `soak-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const stopLoad = startLoad(options);
  const runs = [];
  const byTest = new Map();
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const started = Date.now();
      const { code, results, stderr } = await runJest(options, seed, join(dir, `${run}.json`));
      const seconds = Math.round((Date.now() - started) / 1000);
      const failures = results
        ? failuresOf(results)
        : [{ test: '(jest gave no results)', message: stderr.split('\n').slice(-20).join('\n') }];
      if (code !== 0 && failures.length === 0) {
        failures.push({
          test: '(jest exited non-zero)',
          message: stderr.split('\n').slice(-20).join('\n'),
        });
      }
      for (const failure of failures) {
        const seen = byTest.get(failure.test) ?? { test: failure.test, runs: [] };
        seen.runs.push({ run, seed, message: failure.message });
        byTest.set(failure.test, seen);
      }
      const counts = results
        ? `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`
        : 'no results';
      runs.push({ run, seed, seconds, exitCode: code, counts });
      console.log(`run ${run}/${options.runs}: seed ${seed}, ${seconds} s, ${counts}`);
    }
  } finally {
    stopLoad();
    rmSync(dir, { recursive: true, force: true });
  }
  const flaky = [...byTest.values()];
  const report = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    projects: options.projects,
    workers: options.workers,
    busy: options.busy ?? 'none',
    runs,
    failedTests: flaky,
  };
  mkdirSync(join('reports', 'soak'), { recursive: true });
  const file = join('reports', 'soak', `${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `\n${options.runs} runs of ${options.projects.join(', ')}, ${options.workers} jest worker(s), load: ${report.busy}`,
  );
  if (flaky.length === 0) {
    console.log('no test failed in any run');
  } else {
    console.log(`${flaky.length} tests failed at least once:`);
    for (const { test, runs: failedRuns } of flaky) {
      console.log(`- ${test}: ${failedRuns.length}/${options.runs} runs`);
      for (const { run, seed, message } of failedRuns) {
        console.log(`  run ${run} (jest --seed ${seed}):\n    ${message.replace(/\n/g, '\n    ')}`);
      }
    }
  }
  console.log(`report: ${file}`);
  process.exitCode = flaky.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
