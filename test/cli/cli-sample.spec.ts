import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../lib/cli';
import { REDIS_URL, eventually } from '../support/redis';

const ROOT = join(__dirname, '..', '..');

describe('the sample with --keep, watched by the CLI', () => {
  it('prints its key prefix first, keeps its agents running for the CLI, and stops on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'sample/main.ts', '--keep'],
      { cwd: ROOT, env: { ...process.env, REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      expect(await eventually(() => stdout.includes('kept running until Ctrl-C'), 45_000)).toBe(
        true,
      );
      const lines = stdout.split('\n');
      expect(lines[0]).toBe(`Backend: Redis at ${REDIS_URL}`);
      const prefix = /^Key prefix: (sample\.[0-9a-f]{6})$/.exec(lines[1])?.[1];
      expect(prefix).toBeDefined();
      expect(stdout).toContain(`npx tta-agent-coordination --prefix ${prefix} agents`);

      const out: string[] = [];
      const code = await runCli(
        ['--url', REDIS_URL, '--prefix', prefix!, '--json', 'agents'],
        { out: (t) => out.push(t), isTTY: false },
        () => undefined,
        new AbortController().signal,
      );
      expect(code).toBe(0);
      const agents = JSON.parse(out[0]) as { type: string; alive: boolean }[];
      expect(agents.filter((a) => a.alive).map((a) => a.type)).toEqual(
        expect.arrayContaining(['planner', 'researcher', 'writer']),
      );

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/stopping on SIGINT\n.*shut down cleanly\n$/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
