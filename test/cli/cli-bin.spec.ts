import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliRun } from '../support/cli';

/** Runs a copy of the bin script in a package directory laid out like the real one. */
function runBin(root: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'bin', 'tta-agent-coordination.js'), ...args],
      { cwd: root, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('CLI bin script', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tta-bin-'));
    mkdirSync(join(root, 'bin'));
    copyFileSync('bin/tta-agent-coordination.js', join(root, 'bin', 'tta-agent-coordination.js'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('says how to build when dist/ is missing, in one line, exit 1', async () => {
    const run = await runBin(root, ['--help']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('dist/cli/main.js is missing');
    expect(run.stderr).toContain('npm run build');
  });

  it('runs dist/cli/main with the arguments and exits with its code', async () => {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(
      join(root, 'dist', 'cli', 'main.js'),
      'exports.runCli = async (argv) => { console.log(JSON.stringify(argv)); return 3; };\n',
    );
    const run = await runBin(root, ['queues', '--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual(['queues', '--json']);
  });
});
