import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  Agent,
  AgentCoordinationModule,
  ConfigurationError,
  ErrorCode,
  OnAgentMessage,
  RedisConnectionError,
} from '../../lib';
import { childEnv, compileForChild } from '../chaos/fixtures/compile-for-child';
import { findFreePorts, LOOPBACK } from '../support/redis-server';
import { uniquePrefix } from '../support/redis';

/**
 * Redis down at start-up: bootstrap fails within `connectTimeoutMs` (+ 2 s) with a
 * `RedisConnectionError` naming the address, logs the wait once, never prints ioredis's
 * "Unhandled error event", and leaves nothing running — on ioredis 5 and on ioredis 6.
 */

jest.setTimeout(60_000);

const prefix = uniquePrefix('e2e-redis-down');
const CONNECT_TIMEOUT_MS = 1_500;
const SLACK_MS = 2_000;

@Agent({ type: 'startup-probe' })
class ProbeAgent {
  @OnAgentMessage('event')
  handle(): void {}
}

function compile(connection: string | Redis, connectTimeoutMs = CONNECT_TIMEOUT_MS) {
  return Test.createTestingModule({
    imports: [AgentCoordinationModule.forRoot({ connection, connectTimeoutMs, keyPrefix: prefix })],
    providers: [ProbeAgent],
  }).compile();
}

/** Captures the Nest logger's warnings and whatever reaches console.error meanwhile. */
function captureLogs() {
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  return {
    warnings: () => warn.mock.calls.map(([message]) => String(message)),
    consoleErrors: () => consoleError.mock.calls.map((args) => args.map(String).join(' ')),
    restore: () => {
      warn.mockRestore();
      consoleError.mockRestore();
    },
  };
}

describe('Redis unavailable at start-up (in process)', () => {
  let port: number;
  beforeAll(async () => {
    [port] = await findFreePorts(1);
  });

  it('fails bootstrap with RedisConnectionError after connectTimeoutMs, logging the wait once', async () => {
    const logs = captureLogs();
    try {
      const started = Date.now();
      const error = await compile(`redis://:s3cret@${LOOPBACK}:${port}`).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect(error).toMatchObject({
        code: ErrorCode.REDIS_UNAVAILABLE,
        address: `${LOOPBACK}:${port}`,
        timeoutMs: CONNECT_TIMEOUT_MS,
      });
      expect(elapsed).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 1);
      expect(elapsed).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
      // ioredis retried many times meanwhile; one line says so.
      const waiting = logs.warnings().filter((w) => w.startsWith('waiting for Redis'));
      expect(waiting).toEqual([
        expect.stringMatching(
          new RegExp(`^waiting for Redis at ${LOOPBACK}:${port}: connect ECONNREFUSED`),
        ),
      ]);
      expect(logs.warnings().join('\n')).not.toContain('s3cret');
      expect(logs.consoleErrors().filter((e) => e.includes('Unhandled error event'))).toEqual([]);
    } finally {
      logs.restore();
    }
  });

  it("fails the same way for an application's connection that never becomes ready, leaving it open", async () => {
    const own = new Redis(port, LOOPBACK, { retryStrategy: () => 100 });
    const logs = captureLogs();
    try {
      const started = Date.now();
      await expect(compile(own, 500)).rejects.toMatchObject({
        code: ErrorCode.REDIS_UNAVAILABLE,
        address: `${LOOPBACK}:${port}`,
      });
      expect(Date.now() - started).toBeLessThan(500 + SLACK_MS);
      expect(own.status).not.toBe('end');
      // The module's listeners are gone: the application's own handling is untouched.
      expect(own.listenerCount('error')).toBe(0);
    } finally {
      logs.restore();
      own.disconnect();
    }
  });

  it('rejects a connectTimeoutMs that is not a positive integer', async () => {
    await expect(compile(`redis://${LOOPBACK}:${port}`, 0)).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});

interface ChildReport {
  booted: boolean;
  ms: number;
  name: string;
  code: string;
  message: string;
  ioredis: string;
  ownStatus?: string;
}

interface ChildRun {
  report: ChildReport;
  stdout: string;
  stderr: string;
}

describe('Redis unavailable at start-up (child process per ioredis major)', () => {
  let compiled: string;
  let port: number;

  beforeAll(async () => {
    compiled = compileForChild(['lib', join('test', 'e2e', 'fixtures')]);
    [port] = await findFreePorts(1);
  });

  afterAll(() => rmSync(compiled, { recursive: true, force: true }));

  function run(major: 5 | 6, mode: 'url' | 'instance'): Promise<ChildRun> {
    const fixtures = join(compiled, 'test', 'e2e', 'fixtures');
    const preload = major === 6 ? ['-r', join(fixtures, 'use-ioredis6.js')] : [];
    const child = spawn(process.execPath, [...preload, join(fixtures, 'boot-without-redis.js')], {
      env: childEnv({
        REDIS_URL: `redis://:s3cret@${LOOPBACK}:${port}`,
        CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        MODE: mode,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Never hangs: a child still running well after its timeout fails the test.
    const limit = setTimeout(() => child.kill('SIGKILL'), 30_000);
    return new Promise((resolve, reject) => {
      child.once('exit', (code, signal) => {
        clearTimeout(limit);
        const last = stdout.trim().split('\n').pop() ?? '';
        if (code !== 0) {
          reject(new Error(`child exited with ${code ?? signal}:\n${stdout}\n${stderr}`));
          return;
        }
        resolve({
          report: JSON.parse(last) as ChildReport,
          stdout,
          stderr,
        });
      });
    });
  }

  describe.each([5, 6] as const)('ioredis %i', (major) => {
    it.each(['url', 'instance'] as const)(
      'connection given as %s: typed error within connectTimeoutMs + 2 s, no unhandled error event, the process exits',
      async (mode) => {
        const { report, stdout, stderr } = await run(major, mode);
        expect(report).toMatchObject({
          booted: false,
          name: 'RedisConnectionError',
          code: ErrorCode.REDIS_UNAVAILABLE,
        });
        expect(report.message).toContain(`Redis at ${LOOPBACK}:${port} was not ready`);
        expect(report.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 1);
        expect(report.ms).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
        expect(report.ioredis).toContain(
          join('node_modules', major === 6 ? 'ioredis6' : 'ioredis', 'built'),
        );
        if (mode === 'instance') expect(report.ownStatus).not.toBe('end');
        expect(stderr).not.toContain('Unhandled error event');
        expect(stdout.match(/waiting for Redis at/g)).toHaveLength(1);
        expect(stdout + stderr).not.toContain('s3cret');
      },
    );
  });
});
