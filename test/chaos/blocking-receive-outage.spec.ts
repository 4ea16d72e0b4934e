import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, RedisServerProcess } from '../support/redis-server';
import { childEnv, compileForChild } from './fixtures/compile-for-child';

/**
 * A receive blocked in BLPOP on its duplicated connection while Redis goes away and comes
 * back (in a child process, whose stderr shows what ioredis prints): the duplicated
 * connection retries without "Unhandled error event", the outage is logged once and the
 * recovery once, and the receive ends cleanly.
 */

jest.setTimeout(60_000);

/** Resolves once `output()` matches `pattern`; rejects when the child exits first. */
function until(child: ChildProcess, output: () => string, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(output())) return;
      child.stdout?.off('data', check);
      child.off('exit', exited);
      resolve();
    };
    const exited = (): void => reject(new Error(`child exited before ${pattern}:\n${output()}`));
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

describe('a blocking receive while Redis is down', () => {
  let server: RedisServerProcess;
  let compiled: string;

  beforeAll(async () => {
    compiled = compileForChild();
    server = await RedisServerProcess.start();
  });

  afterAll(async () => {
    await server?.destroy();
    rmSync(compiled, { recursive: true, force: true });
  });

  it('retries on the duplicated connection without an unhandled error event', async () => {
    const child = spawn(
      process.execPath,
      [join(compiled, 'test', 'chaos', 'fixtures', 'blocking-receive-outage.js')],
      {
        env: childEnv({
          REDIS_URL: server.url,
          PREFIX: `t.outage.${randomBytes(4).toString('hex')}`,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(child, () => stdout, /^blocking$/m);
      await server.stop('SIGKILL');
      // The third reconnect follows two refused attempts, each an 'error' event.
      await until(child, () => stdout, /^reconnecting 3$/m);
      await server.restart();
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).not.toContain('Unhandled error event');
    const address = `${LOOPBACK}:${server.port}`;
    const logged = stdout.split('\n').filter((line) => line.startsWith('log '));
    expect(logged).toEqual([
      expect.stringMatching(new RegExp(`^log warn waiting for Redis at ${address}: `)),
      `log log Redis connection restored (${address})`,
    ]);
  });
});
