import { CircuitBreakerOpenError, isRedisOperationError } from '../../../lib/errors';
import type { RedisClient } from '../../../lib/common/redis-client';
import { CircuitBreaker } from '../../../lib/resilience/circuit-breaker';

/** A connection that is down: ioredis would queue commands; the breaker must not wait. */
function downClient(status: string): { client: RedisClient; commands: jest.Mock } {
  const commands = jest.fn(() => new Promise(() => undefined));
  const client = { status, defineCommand: jest.fn(), publish: commands } as unknown as RedisClient;
  return { client, commands };
}

describe('CircuitBreaker without Redis', () => {
  it.each(['reconnecting', 'end', 'close'])(
    'runs calls on local state when the connection is %s, and says so',
    async (status) => {
      const { client } = downClient(status);
      const errors: Error[] = [];
      const breaker = new CircuitBreaker(
        client,
        'down',
        { failureThreshold: 2 },
        { onError: (e) => errors.push(e) },
      );
      await expect(breaker.call(() => 'fine')).resolves.toBe('fine');
      expect(breaker.getMetrics()).toMatchObject({ localFallback: true, successful: 1 });
      expect(errors.some(isRedisOperationError)).toBe(true);
      await expect(breaker.call(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(breaker.call(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(breaker.call(() => 'never')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
      expect(await breaker.getState()).toBe('open');
      await breaker.reset();
      expect(await breaker.getState()).toBe('closed');
    },
  );

  it('bounds a round trip that never answers by commandTimeoutMs', async () => {
    const hanging = {
      status: 'ready',
      defineCommand(name: string) {
        (this as Record<string, unknown>)[name] = () => new Promise(() => undefined);
      },
    } as unknown as RedisClient;
    const breaker = new CircuitBreaker(hanging, 'slow', {}, { commandTimeoutMs: 30 });
    const started = Date.now();
    await expect(breaker.call(() => 1)).resolves.toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
    expect(breaker.getMetrics().localFallback).toBe(true);
  });
});
