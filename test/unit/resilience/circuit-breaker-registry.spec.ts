import { EventEmitter } from 'node:events';
import type { RedisClient } from '../../../lib/common/redis-client';
import { CircuitBreakerRegistry } from '../../../lib/resilience';
import { RecordingLogger } from '../../support/logger';

/** The connection the registry duplicates to listen on the breaker channel. */
class Subscriber extends EventEmitter {
  subscribe = jest.fn((): Promise<unknown> => Promise.resolve(1));
  quit = jest.fn((): Promise<unknown> => Promise.resolve('OK'));
  disconnect = jest.fn();
}

/** A caller's connection whose subscriber and index answer what the test says. */
function fakeRedis(): { client: RedisClient; subscriber: Subscriber; sadd: jest.Mock } {
  const subscriber = new Subscriber();
  const sadd = jest.fn((): Promise<unknown> => Promise.resolve(1));
  const client = { duplicate: () => subscriber, sadd } as unknown as RedisClient;
  return { client, subscriber, sadd };
}

const never = (): Promise<never> => new Promise(() => undefined);

describe('CircuitBreakerRegistry and its subscriber connection', () => {
  afterEach(() => jest.useRealTimers());

  it('reports a subscription that fails to onError', async () => {
    const redis = fakeRedis();
    const refused = new Error('subscribe refused');
    redis.subscriber.subscribe.mockImplementation(() => Promise.reject(refused));
    const errors: Error[] = [];
    const registry = new CircuitBreakerRegistry(redis.client, { onError: (e) => errors.push(e) });
    await registry.get('svc');
    expect(errors).toEqual([refused]);
    await registry.close();
  });

  it('logs the subscriber connection going down and coming back once each', async () => {
    const redis = fakeRedis();
    const errors: Error[] = [];
    const logger = new RecordingLogger();
    const registry = new CircuitBreakerRegistry(redis.client, {
      onError: (e) => errors.push(e),
      logger,
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      redis.subscriber.emit('error', new Error('connection lost'));
    }
    redis.subscriber.emit('ready');
    redis.subscriber.emit('ready');
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'waiting for Redis at localhost:6379: connection lost'],
      ['log', 'Redis connection restored (localhost:6379)'],
    ]);
    expect(errors).toEqual([]);
    await registry.close();
  });

  it('logs every state change at warn, with the failure that opened the breaker', async () => {
    const redis = fakeRedis();
    const logger = new RecordingLogger();
    const registry = new CircuitBreakerRegistry(redis.client, { logger, resyncIntervalMs: 0 });
    const breaker = await registry.get('svc', { failureThreshold: 1 });
    const boom = new Error('downstream down');
    await expect(breaker.call(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: 'circuit breaker svc: closed -> open (local)',
      error: boom,
    });
    await registry.close();
  });

  it('quits the subscriber on close, and disconnects it when quit fails', async () => {
    const polite = fakeRedis();
    await new CircuitBreakerRegistry(polite.client).close();
    expect(polite.subscriber.quit).toHaveBeenCalledTimes(1);
    expect(polite.subscriber.disconnect).not.toHaveBeenCalled();

    const stubborn = fakeRedis();
    stubborn.subscriber.quit.mockImplementation(() => Promise.reject(new Error('no')));
    await new CircuitBreakerRegistry(stubborn.client).close();
    expect(stubborn.subscriber.disconnect).toHaveBeenCalledTimes(1);
  });

  it('get() waits at most commandTimeoutMs for a subscription or index write that hangs', async () => {
    jest.useFakeTimers();
    const redis = fakeRedis();
    redis.subscriber.subscribe.mockImplementation(never);
    redis.sadd.mockImplementation(never);
    const registry = new CircuitBreakerRegistry(redis.client, { commandTimeoutMs: 100 });
    let got = false;
    void registry.get('svc').then(() => (got = true));
    await jest.advanceTimersByTimeAsync(99);
    expect(got).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(got).toBe(true);
  });

  it('get() leaves no timer behind once Redis has answered', async () => {
    jest.useFakeTimers();
    const registry = new CircuitBreakerRegistry(fakeRedis().client, { commandTimeoutMs: 100 });
    await registry.get('svc');
    expect(jest.getTimerCount()).toBe(0);
    await registry.close();
  });
});
