import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  CircuitBreakerOpenError,
  ClosedError,
  ConfigurationError,
  ValidationError,
  isCircuitBreakerOpenError,
} from '../../lib/errors';
import {
  CircuitBreaker,
  CircuitBreakerRegistry,
  type CircuitBreakerConfig,
  type CircuitStateChange,
} from '../../lib/resilience';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  keysUnder,
  uniquePrefix,
} from '../support/redis';
import { serverNow } from '../support/wait';

const prefix = uniquePrefix('breaker');
/** A short open timeout: both backends read one accurate clock. */
const OPEN_MS = 100;
/** Thresholds small enough to trip quickly, with a short open timeout. */
const FAST: Partial<CircuitBreakerConfig> = {
  failureThreshold: 3,
  openTimeoutMs: OPEN_MS,
  halfOpenMaxCalls: 3,
  successThreshold: 2,
  recoveryTimeoutMs: 20 * OPEN_MS,
};
/** The same, for tests that need the breaker to stay open while they look at it. */
const SLOW: Partial<CircuitBreakerConfig> = {
  ...FAST,
  openTimeoutMs: 10_000,
  recoveryTimeoutMs: 20_000,
};

let clientA: Redis;
let clientB: Redis;
let processA: CircuitBreakerRegistry;
let processB: CircuitBreakerRegistry;
let names = 0;

const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

/** The same breaker name, as seen by two "processes" on separate connections. */
async function pair(
  config: Partial<CircuitBreakerConfig> = FAST,
): Promise<[CircuitBreaker, CircuitBreaker]> {
  const name = `svc.${++names}`;
  return [await processA.get(name, config), await processB.get(name, config)];
}

async function fail(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await expect(breaker.call(boom)).rejects.toThrow('boom');
}

async function trip(breaker: CircuitBreaker): Promise<void> {
  await fail(breaker, breaker.config.failureThreshold);
}

/** Waits until the open timeout has passed and the breaker lets a probe through. */
async function untilProbing(breaker: CircuitBreaker): Promise<void> {
  expect(await eventually(() => breaker.isCallPermitted(), 5 * OPEN_MS + 2_000, 20)).toBe(true);
}

/** Matches the `at` of a state change. */
const anyTime = expect.any(Number) as unknown as number;

/** Every change `breaker` emits from now on. */
function collect(breaker: CircuitBreaker): CircuitStateChange[] {
  const seen: CircuitStateChange[] = [];
  breaker.onStateChange((change) => seen.push(change));
  return seen;
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

beforeAll(() => {
  clientA = createClient();
  clientB = createClient();
  processA = new CircuitBreakerRegistry(clientA, { keyPrefix: prefix });
  processB = new CircuitBreakerRegistry(clientB, { keyPrefix: prefix });
});

afterAll(async () => {
  await processA.close();
  await processB.close();
  await deleteKeys(clientA, prefix);
  expect(await keysUnder(clientA, prefix)).toEqual([]);
  await closeClients();
});

describe('shared state across connections', () => {
  it('opens for both when failures go through one, before the failing call rejects', async () => {
    const [a, b] = await pair(SLOW);
    await fail(a, 2);
    expect(await b.isCallPermitted()).toBe(true);
    await fail(a, 1);
    // No waiting: the trip was recorded in Redis before the third call rejected.
    expect(await b.getState()).toBe('open');
    const fn = jest.fn(ok);
    const error = await b.call(fn, { correlationId: 'c-1' }).catch((e: unknown) => e);
    expect(isCircuitBreakerOpenError(error)).toBe(true);
    expect(error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(error).toMatchObject({ state: 'open', correlationId: 'c-1', retryable: true });
    expect((error as CircuitBreakerOpenError).retryAfterMs).toBeGreaterThan(0);
    expect((error as CircuitBreakerOpenError).retryAfterMs).toBeLessThanOrEqual(10_000);
    await expect(a.call(fn)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses a caller mistake before recording anything: three bad calls leave it closed for every process', async () => {
    const [a, b] = await pair(SLOW);
    for (let i = 0; i < a.config.failureThreshold; i++) {
      await expect(a.call('not a function' as never)).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'fn',
        rule: 'isFunction',
      });
    }
    await expect(a.execute(42 as never)).rejects.toMatchObject({ field: 'fn' });
    await expect(a.call(ok, null as never)).rejects.toMatchObject({ field: 'options' });
    await expect(a.call(ok, [] as never)).rejects.toMatchObject({ field: 'options' });
    await expect(a.call(ok, { correlationId: 5 } as never)).rejects.toMatchObject({
      field: 'options.correlationId',
      rule: 'isString',
    });
    expect(await b.getState()).toBe('closed');
    expect(await b.isCallPermitted()).toBe(true);
    expect(await clientB.exists(new KeyLayout(prefix).breaker(a.name))).toBe(0);
    expect(a.getMetrics()).toMatchObject({ total: 0, failed: 0, rejected: 0 });
  });

  it('counts consecutive failures across processes; a success anywhere resets the count', async () => {
    // Open long enough to be seen open, however slowly the test runs.
    const [a, b] = await pair(SLOW);
    await fail(a, 1);
    await fail(b, 1);
    await expect(b.call(ok)).resolves.toBe('ok');
    await fail(a, 2);
    expect(await a.getState()).toBe('closed');
    await fail(b, 1);
    expect(await a.getState()).toBe('open');
  });

  it('admits exactly halfOpenMaxCalls probes across both when they race, then closes for both', async () => {
    const [a, b] = await pair();
    await trip(a);
    await untilProbing(b);
    const gate = deferred();
    let started = 0;
    const probe = async (): Promise<string> => {
      started++;
      await gate.promise;
      return 'probed';
    };
    const attempts = Array.from({ length: 24 }, (_, i) =>
      (i % 2 === 0 ? a : b).call(probe).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    );
    let settled = 0;
    attempts.forEach((attempt) => void attempt.then(() => settled++));
    // Every refusal is known before any probe finishes.
    expect(await eventually(() => settled === 24 - 3, 3_000)).toBe(true);
    expect(started).toBe(3);
    gate.release();
    const results = await Promise.all(attempts);
    expect(results.filter((r) => 'value' in r)).toHaveLength(3);
    const refused = results.flatMap((r) => ('error' in r ? [r.error] : []));
    expect(refused).toHaveLength(21);
    refused.forEach((e) => expect(e).toMatchObject({ code: 'CIRCUIT_OPEN', state: 'half_open' }));
    expect(await a.getState()).toBe('closed');
    expect(await b.getState()).toBe('closed');
    await expect(b.call(ok)).resolves.toBe('ok');
  });

  it('closes after successThreshold successful probes from different processes', async () => {
    const [a, b] = await pair();
    await trip(b);
    await untilProbing(a);
    await expect(a.call(ok)).resolves.toBe('ok');
    expect(await b.getState()).toBe('half_open');
    await expect(b.call(ok)).resolves.toBe('ok');
    expect(await a.getState()).toBe('closed');
    expect(await b.getState()).toBe('closed');
  });

  it('reopens for both on one failed probe', async () => {
    // Short enough to wait out twice, long enough to be seen open on a loaded machine.
    const [a, b] = await pair({ ...FAST, openTimeoutMs: 1_000 });
    await trip(a);
    await untilProbing(b);
    await expect(b.call(ok)).resolves.toBe('ok');
    await fail(b, 1);
    expect(await a.getState()).toBe('open');
    await expect(a.call(ok)).rejects.toMatchObject({ state: 'open' });
    // A new open period: probes again after the open timeout.
    await untilProbing(a);
  });

  it('reopens a half-open period stuck on a lost probe after recoveryTimeoutMs', async () => {
    const RECOVERY_MS = 1_000;
    const config = {
      ...FAST,
      halfOpenMaxCalls: 1,
      successThreshold: 1,
      recoveryTimeoutMs: RECOVERY_MS,
    };
    const [a, b] = await pair(config);
    await trip(a);
    await untilProbing(a);
    const hung = deferred();
    // The half-open period begins when a's probe is admitted: not before this reading.
    const periodFrom = await serverNow(clientA);
    let probing = false;
    const lost = a.call(() => {
      probing = true;
      return hung.promise;
    });
    expect(await eventually(() => probing)).toBe(true);
    await expect(b.call(ok)).rejects.toMatchObject({ state: 'half_open' });
    expect(await b.getState()).toBe('half_open');
    // Reopens once the recovery timeout has passed by the server's clock: never seen open
    // before then, and seen open within a generous limit after.
    expect(await eventually(async () => (await b.getState()) === 'open', 5_000, 20)).toBe(true);
    expect((await serverNow(clientB)) - periodFrom).toBeGreaterThanOrEqual(RECOVERY_MS);
    await expect(b.call(ok)).rejects.toMatchObject({ state: 'open' });
    await untilProbing(b);
    await expect(b.call(ok)).resolves.toBe('ok');
    expect(await a.getState()).toBe('closed');
    // The lost probe comes back late: it belongs to an old period and changes nothing.
    hung.release();
    await lost;
    expect(await a.getState()).toBe('closed');
  });

  it('ignores the outcome of a call admitted before the state moved on', async () => {
    const [a, b] = await pair();
    const slow = deferred();
    const inFlight = a.call(async () => {
      await slow.promise;
      throw new Error('late');
    });
    await trip(b);
    await untilProbing(b);
    await expect(b.call(ok)).resolves.toBe('ok');
    slow.release();
    await expect(inFlight).rejects.toThrow('late');
    // Not treated as a failed probe: still half-open with one success to go.
    expect(await b.getState()).toBe('half_open');
  });

  it('getState and isCallPermitted take no probe slot', async () => {
    const [a, b] = await pair({ ...FAST, halfOpenMaxCalls: 2, successThreshold: 2 });
    await trip(a);
    await untilProbing(b);
    const slow = deferred();
    const first = a.call(async () => {
      await slow.promise;
      return 'first';
    });
    expect(await b.getState()).toBe('half_open');
    expect(await b.getState()).toBe('half_open');
    expect(await a.isCallPermitted()).toBe(true);
    await expect(b.call(ok)).resolves.toBe('ok');
    expect(await a.isCallPermitted()).toBe(false);
    slow.release();
    await expect(first).resolves.toBe('first');
    expect(await b.getState()).toBe('closed');
  });

  it('keeps the state in one hash under the prefix, with a TTL', async () => {
    const [a] = await pair();
    await trip(a);
    const key = `${prefix}:breaker:{${a.name}}`;
    expect(await clientA.hget(key, 'state')).toBe('open');
    expect(await clientA.pttl(key)).toBeGreaterThan(0);
  });
});

describe('reset, metrics and events', () => {
  it('reset() closes for every process and clears failures, even when closed', async () => {
    // Open long enough to be seen open, however slowly the test runs.
    const [a, b] = await pair(SLOW);
    await fail(a, 2);
    await b.reset();
    await fail(a, 2);
    expect(await b.getState()).toBe('closed');
    await fail(a, 1);
    expect(await b.getState()).toBe('open');
    await a.reset();
    expect(await b.getState()).toBe('closed');
    await expect(b.call(ok)).resolves.toBe('ok');
  });

  it('reports what this instance saw', async () => {
    const [a] = await pair(SLOW);
    const before = Date.now();
    await a.call(ok);
    await trip(a);
    await expect(a.call(ok)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    const metrics = a.getMetrics();
    expect(metrics).toMatchObject({
      state: 'open',
      total: 4,
      successful: 1,
      failed: 3,
      rejected: 1,
      stateChanges: 1,
      localFallback: false,
    });
    expect(metrics.lastFailureTime).toBeGreaterThanOrEqual(before);
    expect(metrics.lastSuccessTime).toBeGreaterThanOrEqual(before);
  });

  it('emits state changes here and, through the channel, in the other process', async () => {
    const [a, b] = await pair(SLOW);
    const seenA: CircuitStateChange[] = [];
    const seenB: CircuitStateChange[] = [];
    a.onStateChange((c) => seenA.push(c));
    const stop = b.onStateChange((c) => seenB.push(c));
    await fail(a, 2);
    await expect(a.call(boom, { correlationId: 'trip-1' })).rejects.toThrow();
    expect(seenA).toEqual([
      expect.objectContaining({
        from: 'closed',
        to: 'open',
        source: 'redis',
        correlationId: 'trip-1',
      }),
    ]);
    // B makes no call: it learns of the trip from the breaker channel.
    expect(await eventually(() => seenB.length === 1)).toBe(true);
    expect(seenB[0]).toMatchObject({ name: a.name, from: 'closed', to: 'open', source: 'peer' });
    stop();
    await b.reset();
    expect(seenB).toHaveLength(1);
    expect(await eventually(() => seenA.length === 2)).toBe(true);
    expect(seenA[1]).toMatchObject({ from: 'open', to: 'closed', source: 'peer' });
  });

  it('reports a change another process made, seen in a call reply, as peer', async () => {
    const [a] = await pair(SLOW);
    // Not listening on the breaker channel: it learns of the trip from its own call.
    const other = new CircuitBreaker(clientB, a.name, SLOW, { keyPrefix: prefix });
    const seen = collect(other);
    await trip(a);
    await expect(other.call(ok, { correlationId: 'c-2' })).rejects.toBeInstanceOf(
      CircuitBreakerOpenError,
    );
    // Not caused by that call, so without its correlation id.
    expect(seen).toStrictEqual([
      { name: a.name, from: 'closed', to: 'open', source: 'peer', at: anyTime },
    ]);
    other.close();
  });

  it('reports the transition its own call made as redis, after the one it missed as peer', async () => {
    const [a] = await pair();
    const prober = new CircuitBreaker(clientB, a.name, FAST, { keyPrefix: prefix });
    const seen = collect(prober);
    await trip(a);
    // Only peeks: the shared state stays open until a call moves it on.
    await untilProbing(a);
    await expect(prober.call(ok, { correlationId: 'probe-1' })).resolves.toBe('ok');
    expect(seen).toStrictEqual([
      { name: a.name, from: 'closed', to: 'open', source: 'peer', at: anyTime },
      {
        name: a.name,
        from: 'open',
        to: 'half_open',
        source: 'redis',
        at: anyTime,
        correlationId: 'probe-1',
      },
    ]);
    prober.close();
  });

  it('ignores a channel event no newer than the state it has seen', async () => {
    const [a] = await pair(SLOW);
    const seen = collect(a);
    await trip(a);
    const gen = Number(await clientA.hget(`${prefix}:breaker:{${a.name}}`, 'gen'));
    const event = (to: string, eventGen: number): string =>
      JSON.stringify({ name: a.name, from: 'open', to, gen: eventGen, origin: 'elsewhere' });
    const channel = new KeyLayout(prefix).breakerChannel;
    await clientB.publish(channel, event('closed', gen));
    await clientB.publish(channel, event('half_open', gen + 1));
    expect(await eventually(() => seen.length >= 2)).toBe(true);
    expect(seen.map((change) => [change.to, change.source])).toEqual([
      ['open', 'redis'],
      ['half_open', 'peer'],
    ]);
  });

  it('forwards every breaker change on the registry stream', async () => {
    const changes: CircuitStateChange[] = [];
    const subscription = processA.stateChanges$.subscribe((c) => changes.push(c));
    const [a] = await pair();
    await trip(a);
    subscription.unsubscribe();
    expect(changes).toEqual([expect.objectContaining({ name: a.name, to: 'open' })]);
  });
});

describe('failure counting modes', () => {
  it('opens on the failure rate over the rolling window', async () => {
    const [a, b] = await pair({
      failureThreshold: 100,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      rollingWindowMs: 10_000,
    });
    await a.call(ok);
    await fail(b, 1);
    await a.call(ok);
    expect(await a.getState()).toBe('closed');
    await fail(a, 1);
    expect(await b.getState()).toBe('open');
  });

  it('does not open on a high rate before minimumCalls', async () => {
    const [a] = await pair({ failureThreshold: 100, failureRateThreshold: 0.5, minimumCalls: 5 });
    await fail(a, 4);
    expect(await a.getState()).toBe('closed');
    await fail(a, 1);
    expect(await a.getState()).toBe('open');
  });

  it('passes through errors isFailure does not count, without tripping', async () => {
    class NotFound extends Error {}
    const [a] = await pair({ ...FAST, isFailure: (e) => !(e instanceof NotFound) });
    for (let i = 0; i < 5; i++) {
      await expect(a.call(() => Promise.reject(new NotFound('nf')))).rejects.toBeInstanceOf(
        NotFound,
      );
    }
    expect(await a.getState()).toBe('closed');
    expect(a.getMetrics()).toMatchObject({ successful: 5, failed: 0 });
  });

  it('opens on the failure rate only once the failed share reaches the threshold', async () => {
    const [a] = await pair({
      failureThreshold: 100,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      rollingWindowMs: 10_000,
    });
    for (let i = 0; i < 3; i++) await expect(a.call(ok)).resolves.toBe('ok');
    await fail(a, 2);
    // 2 of 5 calls failed.
    expect(await a.getState()).toBe('closed');
    await fail(a, 1);
    expect(await a.getState()).toBe('open');
  });

  it('counts only consecutive failures when failureRateThreshold is left out', async () => {
    const [a] = await pair({ ...SLOW, failureThreshold: 4, minimumCalls: 2 });
    await fail(a, 3);
    expect(await a.getState()).toBe('closed');
    await fail(a, 1);
    expect(await a.getState()).toBe('open');
  });

  it('execute passes arguments through', async () => {
    const [a] = await pair();
    await expect(a.execute((x: number, y: string) => `${x}${y}`, 4, 'b')).resolves.toBe('4b');
    await expect(
      a.execute((x: number) => Promise.reject(new RangeError(String(x))), 7),
    ).rejects.toThrow(RangeError);
  });
});

describe('CircuitBreakerRegistry', () => {
  it('returns one breaker per name and refuses a conflicting config', async () => {
    const first = await processA.get('reg.same', { failureThreshold: 4 });
    expect(await processA.get('reg.same')).toBe(first);
    expect(await processA.get('reg.same', { failureThreshold: 4 })).toBe(first);
    const conflict = processA.get('reg.same', { failureThreshold: 9 });
    await expect(conflict).rejects.toBeInstanceOf(ConfigurationError);
    await expect(conflict).rejects.toMatchObject({
      field: 'config',
      rule: 'conflict',
      message: expect.stringContaining('breaker reg.same already exists') as unknown,
    });
    expect(processA.list()).toContain(first);
  });

  it('validates names and configs', async () => {
    for (const name of ['', 'has space', 'brace{x}', 'x'.repeat(129)]) {
      await expect(processA.get(name)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(
      processA.get('reg.bad', { successThreshold: 5, halfOpenMaxCalls: 2 }),
    ).rejects.toMatchObject({ field: 'config.successThreshold', code: 'INVALID_CONFIG' });
    const badDefaults = (): unknown =>
      new CircuitBreakerRegistry(clientA, { defaults: { openTimeoutMs: 0 } });
    expect(badDefaults).toThrow(ConfigurationError);
    expect(badDefaults).toThrow('Invalid defaults.openTimeoutMs');
  });

  it('applies the registry defaults under a per-name config', async () => {
    const registry = new CircuitBreakerRegistry(clientA, {
      keyPrefix: prefix,
      subscribeEvents: false,
      defaults: { failureThreshold: 1, openTimeoutMs: 5_000, recoveryTimeoutMs: 50_000 },
    });
    const breaker = await registry.get('reg.defaults', { openTimeoutMs: 6_000 });
    expect(breaker.config).toMatchObject({
      failureThreshold: 1,
      openTimeoutMs: 6_000,
      recoveryTimeoutMs: 50_000,
      halfOpenMaxCalls: 3,
    });
    await fail(breaker, 1);
    expect(await breaker.getState()).toBe('open');
    await registry.close();
  });

  it('lists names from every process and resets all of its breakers', async () => {
    const a = await processA.get('reg.list.a', SLOW);
    const b = await processB.get('reg.list.b', SLOW);
    expect(await processA.listNames()).toEqual(
      expect.arrayContaining(['reg.list.a', 'reg.list.b']),
    );
    await trip(a);
    await trip(b);
    const count = await processA.resetAll();
    expect(count).toBe(processA.list().length);
    expect(await a.getState()).toBe('closed');
    expect(await b.getState()).toBe('open');
  });

  it('lists names sorted', async () => {
    const own = uniquePrefix('breaker-names');
    const registry = new CircuitBreakerRegistry(clientA, {
      keyPrefix: own,
      subscribeEvents: false,
    });
    const created = ['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a'].map((letter) => `sorted.${letter}`);
    try {
      for (const name of created) await registry.get(name);
      expect(await registry.listNames()).toEqual([...created].reverse());
    } finally {
      await registry.close();
      await deleteKeys(clientA, own);
    }
  });

  it('refuses get after close', async () => {
    const registry = new CircuitBreakerRegistry(clientA, { keyPrefix: prefix });
    await registry.get('reg.closed');
    await registry.close();
    await expect(registry.get('reg.closed')).rejects.toBeInstanceOf(ClosedError);
    await expect(registry.get('reg.closed')).rejects.toThrow('CircuitBreakerRegistry is closed');
  });
});
