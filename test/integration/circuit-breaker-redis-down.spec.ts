import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { CircuitBreakerOpenError, isRedisOperationError } from '../../lib/errors';
import { CircuitBreakerRegistry, type CircuitBreakerConfig } from '../../lib/resilience';
import { describeRealRedis, eventually, uniquePrefix } from '../support/redis';
import { RedisServerProcess } from '../support/redis-server';

const HOST = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A throw-away `redis-server` on loopback without persistence: a restart starts empty. */
class Server {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', HOST, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    return new Promise((resolve, reject) => {
      let log = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${log}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

const config: Partial<CircuitBreakerConfig> = {
  failureThreshold: 3,
  openTimeoutMs: 30_000,
  recoveryTimeoutMs: 60_000,
};
const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

describeRealRedis('circuit breaker while Redis is down', () => {
  const prefix = uniquePrefix('breaker-down');
  let server: Server;
  let clientA: Redis;
  let clientB: Redis;
  let processA: CircuitBreakerRegistry;
  let processB: CircuitBreakerRegistry;
  const errors: Error[] = [];

  const connect = (): Redis =>
    new Redis({ host: HOST, port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  const registry = (client: Redis): CircuitBreakerRegistry =>
    new CircuitBreakerRegistry(client, {
      keyPrefix: prefix,
      commandTimeoutMs: 200,
      resyncIntervalMs: 100,
      onError: (error) => errors.push(error),
    });

  beforeAll(async () => {
    server = new Server(await freePort());
    await server.start();
    clientA = connect();
    clientB = connect();
    processA = registry(clientA);
    processB = registry(clientB);
  });

  afterAll(async () => {
    await processA?.close();
    await processB?.close();
    clientA?.disconnect();
    clientB?.disconnect();
    await server?.stop();
  });

  it('keeps guarding calls on local state, then resynchronises when Redis is back', async () => {
    const a = await processA.get('llm', config);
    const b = await processB.get('llm', config);
    await expect(a.call(ok)).resolves.toBe('ok');
    await expect(a.call(boom)).rejects.toThrow('boom');
    expect(a.getMetrics().localFallback).toBe(false);

    await server.stop();
    expect(await eventually(() => clientA.status !== 'ready' && clientB.status !== 'ready')).toBe(
      true,
    );

    // The guarded call never fails because Redis is down, and does not wait for it.
    const started = Date.now();
    await expect(a.call(ok)).resolves.toBe('ok');
    // (generous bound, loaded CI: waiting for Redis would mean until the test restarts it)
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(a.getMetrics()).toMatchObject({ localFallback: true, state: 'closed' });
    expect(errors.some(isRedisOperationError)).toBe(true);

    // Counting goes on locally: three consecutive failures open it in this process.
    for (let i = 0; i < 3; i++) await expect(a.call(boom)).rejects.toThrow('boom');
    const fn = jest.fn(ok);
    await expect(a.call(fn)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(fn).not.toHaveBeenCalled();
    expect(await a.getState()).toBe('open');
    expect(a.getMetrics()).toMatchObject({
      localFallback: true,
      state: 'open',
      total: 6,
      successful: 2,
      failed: 4,
      rejected: 1,
    });
    // The other process cannot hear of it while Redis is down, and keeps working too.
    await expect(b.call(ok)).resolves.toBe('ok');
    expect(b.getMetrics().localFallback).toBe(true);

    // Redis comes back empty (no persistence): A publishes its local trip on resync.
    await server.start();
    expect(await eventually(() => clientA.status === 'ready' && clientB.status === 'ready')).toBe(
      true,
    );
    expect(
      await eventually(async () => {
        await a.call(ok).catch(() => undefined);
        return !a.getMetrics().localFallback;
      }),
    ).toBe(true);
    expect(await clientA.hget(`${prefix}:breaker:{llm}`, 'state')).toBe('open');
    expect(
      await eventually(async () => {
        const error = await b.call(ok).then(
          () => null,
          (e: unknown) => e,
        );
        return error instanceof CircuitBreakerOpenError;
      }),
    ).toBe(true);
    expect(b.getMetrics()).toMatchObject({ localFallback: false, state: 'open' });

    // Shared again: a reset through B closes it for A.
    await b.reset();
    await expect(a.call(ok)).resolves.toBe('ok');
    await clientA.del(`${prefix}:breaker:{llm}`, `${prefix}:breakers`);
  });
});

describeRealRedis('circuit breaker fallback after a peer changed the state', () => {
  const prefix = uniquePrefix('breaker-stale');
  let server: RedisServerProcess;

  beforeAll(async () => {
    server = await RedisServerProcess.start();
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('falls back on the state a peer reset to, not on the open state it saw before', async () => {
    const connect = (): Redis =>
      server.connect({ maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    const options = { keyPrefix: prefix, commandTimeoutMs: 200, resyncIntervalMs: 100 };
    const clientA = connect();
    const processA = new CircuitBreakerRegistry(clientA, { ...options, onError: () => undefined });
    const processB = new CircuitBreakerRegistry(connect(), {
      ...options,
      subscribeEvents: false,
      onError: () => undefined,
    });
    try {
      const a = await processA.get('stale', config);
      const b = await processB.get('stale', config);
      for (let i = 0; i < 3; i++) await expect(a.call(boom)).rejects.toThrow('boom');
      expect(a.getMetrics().state).toBe('open');

      // B resets; A hears of it on the channel only, without making a call.
      await b.reset();
      expect(await eventually(() => a.getMetrics().state === 'closed')).toBe(true);

      await server.stop('SIGKILL');
      expect(await eventually(() => clientA.status !== 'ready')).toBe(true);
      // On local state now: it follows the reset instead of the 30 s open timeout it saw.
      await expect(a.call(ok)).resolves.toBe('ok');
      expect(a.getMetrics()).toMatchObject({ localFallback: true, state: 'closed', rejected: 0 });
    } finally {
      // Back up, so the registries close their connections cleanly.
      if (!server.running) await server.restart();
      await eventually(() => clientA.status === 'ready');
      await processA.close();
      await processB.close();
    }
  });
});
