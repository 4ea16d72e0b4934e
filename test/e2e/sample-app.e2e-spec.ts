import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REDIS_URL } from '../support/redis';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs the sample the way `npm run sample` does. */
function runSample(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'sample/main.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, lines: stdout.trim().split('\n'), stderr });
    });
  });
}

function expectStory(run: Run): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const text = run.lines.join('\n');
  expect(text).toMatch(
    /registered agents: Planner \(planner\), Researcher \(researcher\), Writer \(writer\)/,
  );
  expect(text).toMatch(/\[planner\s*\] goal received: "the history of message queues"/);
  expect(text).toMatch(/\[researcher\] got "Research the history of message queues"/);
  expect(text).toMatch(/\[writer\s*\] got "Outline the history of message queues"/);
  expect(text).toMatch(/\[planner\s*\] gathered 2 findings and a draft/);
  expect(text).toMatch(/draft: +A short draft about outline the history of message queues\./);
  expect(run.lines[run.lines.length - 1]).toMatch(/shut down cleanly$/);
}

describe('the sample application (child process)', () => {
  it('runs on the real Redis, says so first, and exits 0 by itself', async () => {
    const run = await runSample({ REDIS_URL });
    expect(run.lines[0]).toBe(`Backend: Redis at ${REDIS_URL}`);
    expectStory(run);
  }, 60_000);

  it('falls back to the in-process fake when no Redis answers, and says so in its first line', async () => {
    const run = await runSample({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.lines[0]).toMatch(
      /^Backend: in-process fake Redis \(ioredis-mock\), because no Redis answered at redis:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)$/,
    );
    expectStory(run);
  }, 60_000);
});
