import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  ClosedError,
  ConfigurationError,
  OperationAbortedError,
  QuotaExceededError,
  ValidationError,
  isQuotaExceededError,
} from '../../lib/errors';
import { RedisQuotaRegistry, type QuotaLease } from '../../lib/quotas';
import { errorOf, rejectionOf } from '../support/errors';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  keysUnder,
  uniquePrefix,
} from '../support/redis';

const prefix = uniquePrefix('quota');
let clientA: Redis;
let clientB: Redis;
let processA: RedisQuotaRegistry;
let processB: RedisQuotaRegistry;
let names = 0;

/** A fresh quota name, defined with `limits` in both "processes". */
function quota(limits: Parameters<RedisQuotaRegistry['define']>[1]): string {
  const name = `q${++names}`;
  processA.define(name, limits);
  processB.define(name, limits);
  return name;
}

beforeAll(() => {
  clientA = createClient();
  clientB = createClient();
});

beforeEach(() => {
  // A poll interval far past every wait: a waiter is served only because it is woken.
  processA = new RedisQuotaRegistry(clientA, {
    keyPrefix: prefix,
    pollIntervalMs: 20_000,
    seatTtlMs: 30_000,
  });
  processB = new RedisQuotaRegistry(clientB, {
    keyPrefix: prefix,
    pollIntervalMs: 20_000,
    seatTtlMs: 30_000,
  });
});

afterEach(async () => {
  await processA.close();
  await processB.close();
});

afterAll(async () => {
  await deleteKeys(clientA, prefix);
  await closeClients();
});

describe('limits over the sliding window', () => {
  it('admits the requests per window, then refuses with when to retry', async () => {
    const name = quota({ requestsPerMinute: 3, windowMs: 2_000 });
    for (let i = 0; i < 3; i++) await (i % 2 ? processA : processB).acquire(name);
    const error = await rejectionOf(QuotaExceededError, processA.acquire(name));
    expect(error).toMatchObject({ quotaName: name, reason: 'requests', retryable: true });
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(2_001);
    expect(isQuotaExceededError(error)).toBe(true);
    expect(await processB.usage(name)).toMatchObject({ requests: 3, holders: 3 });
    // The window slides: the first admissions leave it and make room.
    expect(
      await eventually(
        () =>
          processB.acquire(name).then(
            () => true,
            () => false,
          ),
        5_000,
      ),
    ).toBe(true);
  });

  it('charges estimates, and settling with the actual tokens refunds the difference', async () => {
    const name = quota({ tokensPerMinute: 100 });
    const big = await processA.acquire(name, { tokens: 80 });
    const refused = await rejectionOf(QuotaExceededError, processB.acquire(name, { tokens: 30 }));
    expect(refused.reason).toBe('tokens');
    expect(await big.settle({ tokens: 10 })).toMatchObject({ released: true, charged: true });
    const small = await processB.acquire(name, { tokens: 30 });
    expect(await processA.usage(name)).toMatchObject({ requests: 2, tokens: 40 });
    // Settling above the estimate charges the extra.
    await small.settle({ tokens: 90 });
    expect((await processA.usage(name)).tokens).toBe(100);
    await rejectionOf(QuotaExceededError, processA.acquire(name, { tokens: 1 }));
    // A second settle does nothing.
    expect(await small.settle({ tokens: 0 })).toEqual({
      released: false,
      charged: false,
      settledAt: 0,
    });
    expect((await processA.usage(name)).tokens).toBe(100);
  });

  it('settles at the estimate by default', async () => {
    const name = quota({ tokensPerMinute: 100 });
    await (await processA.acquire(name, { tokens: 40 })).settle();
    expect((await processA.usage(name)).tokens).toBe(40);
  });

  it('holds at most `concurrency` leases and gets slots back on settle', async () => {
    const name = quota({ concurrency: 2 });
    const first = await processA.acquire(name);
    await processB.acquire(name);
    expect((await rejectionOf(QuotaExceededError, processA.acquire(name))).reason).toBe(
      'concurrency',
    );
    await first.settle();
    await processA.acquire(name);
    expect((await processA.usage(name)).holders).toBe(2);
  });

  it('gives a slot back when its lease TTL passes without a settle', async () => {
    const name = quota({ concurrency: 1 });
    const lost = await processA.acquire(name, { leaseTtlMs: 300 });
    expect(lost.expiresAt - lost.admittedAt).toBe(300);
    const error = await rejectionOf(QuotaExceededError, processB.acquire(name));
    expect(error.retryAfterMs).toBeLessThanOrEqual(301);
    const lease = await processB.acquire(name, { waitMs: 10_000 });
    expect(lease.admittedAt).toBeGreaterThanOrEqual(lost.expiresAt);
    const settlement = await lost.settle();
    expect(settlement).toMatchObject({ released: false, charged: true });
    expect(settlement.settledAt).toBeGreaterThanOrEqual(lost.expiresAt);
  });
});

describe('waiting in line', () => {
  it('serves a waiter of another process as soon as a slot comes free', async () => {
    const name = quota({ concurrency: 1 });
    const held = await processA.acquire(name);
    const waiting = processB.acquire(name, { waitMs: 10_000 });
    await eventually(async () => (await processA.usage(name)).waiting === 1);
    await held.settle();
    const lease = await waiting;
    expect(lease.quotaName).toBe(name);
    expect(await processA.usage(name)).toMatchObject({ holders: 1, waiting: 0 });
  });

  it('serves waiters in arrival order across processes', async () => {
    const name = quota({ concurrency: 1 });
    const held = await processA.acquire(name);
    const order: string[] = [];
    const waiters: Promise<QuotaLease>[] = [];
    for (const [label, registry] of [
      ['b1', processB],
      ['a1', processA],
      ['b2', processB],
      ['a2', processA],
    ] as const) {
      const waiter = registry.acquire(name, { waitMs: 10_000 });
      waiters.push(waiter);
      void waiter.then((lease) => {
        order.push(label);
        setTimeout(() => void lease.settle(), 5);
      });
      // Each has its arrival number before the next asks.
      await eventually(async () => (await registry.usage(name)).waiting >= 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await held.settle();
    await Promise.all(waiters);
    expect(order).toEqual(['b1', 'a1', 'b2', 'a2']);
  });

  it('fails a waiter with QuotaExceededError when waitMs passes', async () => {
    const name = quota({ concurrency: 1 });
    await processA.acquire(name);
    const error = await rejectionOf(QuotaExceededError, processB.acquire(name, { waitMs: 50 }));
    expect(error.reason).toBe('concurrency');
    expect((await processA.usage(name)).waiting).toBe(0);
  });

  it('stops waiting when the signal fires', async () => {
    const name = quota({ concurrency: 1 });
    await processA.acquire(name);
    const controller = new AbortController();
    const waiting = processB.acquire(name, { waitMs: 10_000, signal: controller.signal });
    controller.abort();
    await rejectionOf(OperationAbortedError, waiting);
    controller.abort();
    await rejectionOf(OperationAbortedError, processB.acquire(name, { signal: controller.signal }));
  });

  it('fails at once without waitMs when earlier requests of the process wait', async () => {
    const name = quota({ concurrency: 1 });
    await processA.acquire(name);
    const waiting = processB.acquire(name, { waitMs: 300 });
    await eventually(async () => (await processA.usage(name)).waiting === 1);
    // Behind its own waiter, or behind its seat in the shared line: refused without waiting.
    const error = await rejectionOf(QuotaExceededError, processB.acquire(name));
    expect(['queue', 'concurrency']).toContain(error.reason);
    await rejectionOf(QuotaExceededError, waiting);
  });

  it('refuses newcomers while others wait, even when there is room', async () => {
    const name = quota({ requestsPerMinute: 1, windowMs: 300 });
    await processA.acquire(name);
    const waiting = processB.acquire(name, { waitMs: 10_000 });
    await eventually(async () => (await processA.usage(name)).waiting === 1);
    const error = await rejectionOf(QuotaExceededError, processA.acquire(name));
    expect(['queue', 'requests']).toContain(error.reason);
    await waiting;
  });

  it('fails every waiter with ClosedError on close', async () => {
    const name = quota({ concurrency: 1 });
    await processA.acquire(name);
    const waiting = rejectionOf(ClosedError, processB.acquire(name, { waitMs: 10_000 }));
    await eventually(async () => (await processA.usage(name)).waiting === 1);
    await processB.close();
    await waiting;
    expect(await eventually(async () => (await processA.usage(name)).waiting === 0)).toBe(true);
    await rejectionOf(ClosedError, processB.acquire(name));
  });
});

describe('penalty', () => {
  it('holds every process back until the penalty ends', async () => {
    const name = quota({ requestsPerMinute: 100 });
    const until = await processA.penalise(name, 400);
    // A shorter penalty does not cut a longer one short.
    expect(await processB.penalise(name, 10)).toBe(until);
    const error = await rejectionOf(QuotaExceededError, processB.acquire(name));
    expect(error.reason).toBe('penalty');
    expect(error.retryAfterMs).toBeLessThanOrEqual(400);
    expect((await processA.usage(name)).penaltyMs).toBeGreaterThan(0);
    const lease = await processB.acquire(name, { waitMs: 10_000 });
    expect(lease.admittedAt).toBeGreaterThanOrEqual(until);
  });
});

describe('keys', () => {
  it('keeps every key of a quota under the prefix and one hash tag, with a TTL', async () => {
    const name = quota({ concurrency: 1, tokensPerMinute: 10 });
    const keys = new KeyLayout(prefix).quota(name);
    await processA.acquire(name, { tokens: 5 });
    await processA.penalise(name, 1);
    for (const key of keys.slice(0, 4)) {
      expect(key.startsWith(`${prefix}:quota:{${name}}:`)).toBe(true);
      expect(await clientA.pttl(key)).toBeGreaterThan(0);
    }
    const stored = (await keysUnder(clientA, prefix)).filter((key) => key.includes(`{${name}}`));
    expect(stored.length).toBeGreaterThan(0);
    for (const key of stored) expect(keys).toContain(key);
  });
});

describe('input', () => {
  it('rejects bad names, limits and options with ValidationError', async () => {
    expect(errorOf(ValidationError, () => processA.define('a b', { concurrency: 1 })).field).toBe(
      'name',
    );
    expect(errorOf(ValidationError, () => processA.define('x', {})).rule).toBe('atLeastOne');
    expect(errorOf(ValidationError, () => processA.define('x', { concurrency: 0 })).field).toBe(
      'limits.concurrency',
    );
    expect(errorOf(ValidationError, () => processA.define('x', { concurrency: 1.5 })).rule).toBe(
      'isSafeInteger',
    );
    expect(
      errorOf(ValidationError, () => processA.define('x', { concurrency: 1, burst: 2 } as never))
        .field,
    ).toBe('limits.burst');
    expect(errorOf(ValidationError, () => processA.define('x', null as never)).rule).toBe(
      'isObject',
    );
    const name = quota({ tokensPerMinute: 10 });
    await expect(processA.acquire('undefined-quota')).rejects.toMatchObject({ rule: 'defined' });
    await expect(processA.acquire(name, { tokens: 11 })).rejects.toMatchObject({
      field: 'options.tokens',
      rule: 'range',
    });
    await expect(processA.acquire(name, { tokens: -1 })).rejects.toMatchObject({ rule: 'range' });
    await expect(processA.acquire(name, { tokens: Number.NaN })).rejects.toMatchObject({
      rule: 'isSafeInteger',
    });
    await expect(processA.acquire(name, { waitMs: Infinity })).rejects.toMatchObject({
      field: 'options.waitMs',
    });
    await expect(processA.acquire(name, { leaseTtlMs: 0 })).rejects.toMatchObject({
      field: 'options.leaseTtlMs',
      rule: 'min',
    });
    await expect(processA.acquire(name, { signal: {} as AbortSignal })).rejects.toMatchObject({
      field: 'options.signal',
    });
    await expect(processA.acquire(name, 'x' as never)).rejects.toMatchObject({
      field: 'options',
    });
    await expect(processA.penalise(name, -5)).rejects.toMatchObject({ field: 'retryAfterMs' });
    const lease = await processA.acquire(name, { tokens: 1 });
    await expect(lease.settle({ tokens: 0.5 })).rejects.toMatchObject({ field: 'usage.tokens' });
    expect(
      errorOf(
        ConfigurationError,
        () => new RedisQuotaRegistry(clientA, { seatTtlMs: 5, pollIntervalMs: 10 }),
      ).field,
    ).toBe('seatTtlMs');
    expect(
      errorOf(ConfigurationError, () => new RedisQuotaRegistry(clientA, { subscribe: 1 as never }))
        .field,
    ).toBe('subscribe');
    expect(
      errorOf(ConfigurationError, () => new RedisQuotaRegistry(clientA, { onError: 1 as never }))
        .field,
    ).toBe('onError');
  });

  it('redefines a quota with new limits', async () => {
    const name = quota({ concurrency: 1 });
    await processA.acquire(name);
    processA.define(name, { concurrency: 2 });
    await processA.acquire(name);
    await rejectionOf(QuotaExceededError, processB.acquire(name));
  });
});
