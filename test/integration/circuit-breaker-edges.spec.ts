import { DEFAULT_KEY_PREFIX, KeyLayout } from '../../lib/common/key-layout';
import { isRedisOperationError } from '../../lib/errors';
import {
  CircuitBreaker,
  CircuitBreakerRegistry,
  type CircuitBreakerConfig,
  type CircuitStateChange,
} from '../../lib/resilience';
import { unreachableClient } from '../support/redis-server';
import {
  closeClients,
  createClient,
  deleteKeys,
  describeRealRedis,
  eventually,
  uniquePrefix,
} from '../support/redis';

const prefix = uniquePrefix('breaker-edges');
const keys = new KeyLayout(prefix);
const TRIP_ON_FIRST: Partial<CircuitBreakerConfig> = {
  failureThreshold: 1,
  openTimeoutMs: 60_000,
  recoveryTimeoutMs: 120_000,
};
const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');
let names = 0;
const nextName = (): string => `edge-${++names}-${Date.now()}`;

const redis = createClient();

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await closeClients();
});

describe('CircuitBreakerRegistry and CircuitBreaker: edge cases', () => {
  it('uses the default key prefix when given no options', async () => {
    const name = nextName();
    const defaults = new KeyLayout(DEFAULT_KEY_PREFIX);
    const registry = new CircuitBreakerRegistry(redis);
    try {
      const breaker = await registry.get(name);
      await expect(breaker.call(ok)).resolves.toBe('ok');
      expect(await redis.sismember(defaults.breakerIndex, name)).toBe(1);
    } finally {
      await registry.close();
      await redis.srem(defaults.breakerIndex, name);
      await redis.del(defaults.breaker(name));
    }
  });

  it('a breaker built directly takes the default config and options', async () => {
    const name = nextName();
    const breaker = new CircuitBreaker(redis, name);
    try {
      expect(breaker.config.failureThreshold).toBeGreaterThan(1);
      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(await redis.hget(new KeyLayout(DEFAULT_KEY_PREFIX).breaker(name), 'failures')).toBe(
        '1',
      );
    } finally {
      breaker.close();
      await redis.del(new KeyLayout(DEFAULT_KEY_PREFIX).breaker(name));
    }
  });

  it('inspects a breaker never used as closed, without failures or a change time', async () => {
    const registry = new CircuitBreakerRegistry(redis, {
      keyPrefix: prefix,
      subscribeEvents: false,
    });
    try {
      expect(await registry.inspect('never-used')).toEqual({
        name: 'never-used',
        state: 'closed',
        failures: 0,
        openedOnFailures: null,
        changedAt: null,
      });
    } finally {
      await registry.close();
    }
  });

  it('closing twice is harmless', async () => {
    const registry = new CircuitBreakerRegistry(redis, { keyPrefix: prefix });
    await registry.get(nextName());
    await registry.close();
    await expect(registry.close()).resolves.toBeUndefined();
    expect(registry.list()).toEqual([]);
  });

  it('ignores a malformed message on the breaker channel and still applies the next one', async () => {
    const errors: Error[] = [];
    const listener = new CircuitBreakerRegistry(createClient(), {
      keyPrefix: prefix,
      onError: (error) => errors.push(error),
    });
    const tripper = new CircuitBreakerRegistry(createClient(), {
      keyPrefix: prefix,
      subscribeEvents: false,
    });
    try {
      const name = nextName();
      const watched = await listener.get(name, TRIP_ON_FIRST);
      const seen: CircuitStateChange[] = [];
      watched.onStateChange((change) => seen.push(change));
      await redis.publish(keys.breakerChannel, 'not json');
      await redis.publish(keys.breakerChannel, JSON.stringify({ name, to: 'open' }));
      const tripping = await tripper.get(name, TRIP_ON_FIRST);
      await expect(tripping.call(boom)).rejects.toThrow('boom');
      expect(await eventually(() => seen.length === 1, 10_000)).toBe(true);
      expect(seen[0]).toMatchObject({ from: 'closed', to: 'open', source: 'peer' });
      expect(errors).toEqual([]);
    } finally {
      await listener.close();
      await tripper.close();
    }
  });

  it('does not publish transitions when publishEvents is false', async () => {
    const subscriber = createClient();
    const received: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => received.push(text));
    await subscriber.subscribe(keys.breakerChannel);
    const quiet = new CircuitBreakerRegistry(redis, {
      keyPrefix: prefix,
      subscribeEvents: false,
      publishEvents: false,
    });
    const loud = new CircuitBreakerRegistry(redis, { keyPrefix: prefix, subscribeEvents: false });
    try {
      const silent = await quiet.get(nextName(), TRIP_ON_FIRST);
      const marker = await loud.get(nextName(), TRIP_ON_FIRST);
      await expect(silent.call(boom)).rejects.toThrow('boom');
      expect(silent.getMetrics().state).toBe('open');
      // Same connection, so a publish of the first trip would arrive before the second's.
      await expect(marker.call(boom)).rejects.toThrow('boom');
      expect(await eventually(() => received.length > 0, 10_000)).toBe(true);
      expect(received.map((text) => (JSON.parse(text) as { name: string }).name)).toEqual([
        marker.name,
      ]);
    } finally {
      await quiet.close();
      await loud.close();
      await subscriber.unsubscribe(keys.breakerChannel);
    }
  });

  it('counts a call as failed when isFailure itself throws', async () => {
    const registry = new CircuitBreakerRegistry(redis, {
      keyPrefix: prefix,
      subscribeEvents: false,
    });
    try {
      const breaker = await registry.get(nextName(), {
        ...TRIP_ON_FIRST,
        isFailure: () => {
          throw new Error('classifier broken');
        },
      });
      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(breaker.getMetrics()).toMatchObject({ state: 'open', failed: 1 });
    } finally {
      await registry.close();
    }
  });

  it('reports a failed publish without affecting the transition', async () => {
    const client = createClient();
    const refused = new Error('publish refused');
    client.publish = () => Promise.reject(refused);
    const errors: Error[] = [];
    const registry = new CircuitBreakerRegistry(client, {
      keyPrefix: prefix,
      subscribeEvents: false,
      onError: (error) => errors.push(error),
    });
    try {
      const breaker = await registry.get(nextName(), TRIP_ON_FIRST);
      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(breaker.getMetrics().state).toBe('open');
      expect((await registry.inspect(breaker.name)).state).toBe('open');
      expect(await eventually(() => errors.length === 1)).toBe(true);
      expect(isRedisOperationError(errors[0])).toBe(true);
      expect(errors[0]).toMatchObject({ operation: 'publish' });
      expect(errors[0].message).toContain('publish refused');
    } finally {
      await registry.close();
    }
  });
});

describeRealRedis('CircuitBreakerRegistry and CircuitBreaker: Redis failures', () => {
  it('guards calls locally and reports every failed resync when the shared state is unusable', async () => {
    const name = nextName();
    await redis.set(keys.breaker(name), 'not a hash');
    const errors: Error[] = [];
    const registry = new CircuitBreakerRegistry(redis, {
      keyPrefix: prefix,
      subscribeEvents: false,
      resyncIntervalMs: 0,
      onError: (error) => errors.push(error),
    });
    try {
      const breaker = await registry.get(name, { ...TRIP_ON_FIRST, failureThreshold: 2 });
      await expect(breaker.call(ok)).resolves.toBe('ok');
      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(breaker.getMetrics().state).toBe('closed');
      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(breaker.getMetrics()).toMatchObject({ state: 'open', localFallback: true });
      expect(errors.length).toBeGreaterThanOrEqual(3);
      expect(errors.every((error) => isRedisOperationError(error))).toBe(true);
      expect(errors[0].message).toMatch(/WRONGTYPE/);
    } finally {
      await registry.close();
    }
  });

  it('ignores channel events while it runs on local state', async () => {
    const stranded = nextName();
    const marker = nextName();
    await redis.set(keys.breaker(stranded), 'not a hash');
    const registry = new CircuitBreakerRegistry(createClient(), {
      keyPrefix: prefix,
      resyncIntervalMs: 60_000,
    });
    try {
      const local = await registry.get(stranded, TRIP_ON_FIRST);
      const watching = await registry.get(marker, TRIP_ON_FIRST);
      await expect(local.call(ok)).resolves.toBe('ok');
      expect(local.getMetrics().localFallback).toBe(true);
      const seen: CircuitStateChange[] = [];
      const markerSeen: CircuitStateChange[] = [];
      local.onStateChange((change) => seen.push(change));
      watching.onStateChange((change) => markerSeen.push(change));
      const tripped = (name: string): string =>
        JSON.stringify({ name, from: 'closed', to: 'open', gen: 5, origin: 'elsewhere' });
      await redis.publish(keys.breakerChannel, tripped(stranded));
      await redis.publish(keys.breakerChannel, tripped(marker));
      // Same channel and connection: the first event was handled before the second.
      expect(await eventually(() => markerSeen.length === 1)).toBe(true);
      expect(seen).toEqual([]);
      expect(local.getMetrics().state).toBe('closed');
    } finally {
      await registry.close();
    }
  });

  it('works without an index or events when Redis cannot be reached, and says so', async () => {
    const dead = await unreachableClient();
    const errors: Error[] = [];
    const registry = new CircuitBreakerRegistry(dead, {
      keyPrefix: prefix,
      commandTimeoutMs: 2_000,
      onError: (error) => errors.push(error),
    });
    try {
      const breaker = await registry.get('unindexed', TRIP_ON_FIRST);
      await expect(breaker.call(ok)).resolves.toBe('ok');
      expect(await eventually(() => errors.length >= 2, 10_000)).toBe(true);
      expect(errors.some((e) => isRedisOperationError(e) && e.message.includes('get'))).toBe(true);
      await expect(registry.listNames()).rejects.toThrow(/listNames/);
      await expect(registry.inspect('unindexed')).rejects.toThrow(/inspect/);
    } finally {
      await registry.close();
      dead.disconnect();
    }
  });

  it('records the failure count a breaker opened on until it closes again', async () => {
    const registry = new CircuitBreakerRegistry(redis, {
      keyPrefix: prefix,
      subscribeEvents: false,
    });
    try {
      const name = nextName();
      const breaker = await registry.get(name, {
        failureThreshold: 3,
        openTimeoutMs: 50,
        recoveryTimeoutMs: 60_000,
        halfOpenMaxCalls: 1,
        successThreshold: 1,
      });
      for (let i = 0; i < 3; i++) await breaker.call(boom).catch(() => undefined);
      expect(await registry.inspect(name)).toMatchObject({
        state: 'open',
        failures: 0,
        openedOnFailures: 3,
      });
      // A failed half-open probe opens it again on that one failure.
      expect(
        await eventually(async () => {
          await breaker.call(boom).catch(() => undefined);
          return (await registry.inspect(name)).openedOnFailures === 1;
        }),
      ).toBe(true);
      expect((await registry.inspect(name)).state).toBe('open');
      expect(
        await eventually(async () => {
          await breaker.call(ok).catch(() => undefined);
          return (await registry.inspect(name)).state === 'closed';
        }),
      ).toBe(true);
      expect(await registry.inspect(name)).toMatchObject({ failures: 0, openedOnFailures: null });
    } finally {
      await registry.close();
    }
  });
});
