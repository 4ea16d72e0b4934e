import { ConfigurationError, DEFAULT_CONSUMER_OPTIONS } from '../../../lib';
import {
  resolveConsumerOptions,
  resolveModuleOptions,
} from '../../../lib/nest/agent-coordination-options.resolver';
import { openConnection, isRedisClient } from '../../../lib/nest/redis-connection';
import RedisMock from 'ioredis-mock';

const connection = 'redis://127.0.0.1:6379';

function fieldOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).field;
  }
  return undefined;
}

describe('module options', () => {
  it('fills defaults', () => {
    const resolved = resolveModuleOptions({ connection });
    expect(resolved.keyPrefix).toBe('ao');
    expect(resolved.consumer).toEqual(DEFAULT_CONSUMER_OPTIONS);
    expect(resolved.prometheus).toBeNull();
    expect(resolved.tracing).toEqual({ tracerName: 'tta-agent-coordination' });
  });

  it.each([
    [{ connection: 42 }, 'connection'],
    [{ connection: 'localhost:6379' }, 'connection'],
    [{ connection, keyPrefix: 'a b' }, 'keyPrefix'],
    [{ connection, consumer: { concurrency: 1.5 } }, 'consumer.concurrency'],
    [{ connection, consumer: { visibilityTimeoutMs: 5 } }, 'consumer.visibilityTimeoutMs'],
    [{ connection, consumer: { shutdownTimeoutMs: -1 } }, 'consumer.shutdownTimeoutMs'],
    [{ connection, consumer: { bogus: 1 } }, 'consumer.bogus'],
    [{ connection, coordinator: { retryAttempts: -1 } }, 'coordinator.retryAttempts'],
    [{ connection, registry: { heartbeatTtlMs: 0 } }, 'registry.heartbeatTtlMs'],
    [
      { connection, breakers: { defaults: { failureThreshold: 0 } } },
      'breakers.defaults.failureThreshold',
    ],
    [{ connection, metrics: { latencyBucketsMs: [10, 5] } }, 'metrics.latencyBucketsMs'],
    [{ connection, metrics: { prometheus: { prefix: '1bad' } } }, 'metrics.prometheus.prefix'],
    [{ connection, tracing: 'yes' }, 'tracing'],
    [{ connection, unknown: true }, 'unknown'],
  ])('rejects %j naming %s', (options, field) => {
    expect(fieldOf(() => resolveModuleOptions(options as never))).toBe(field);
  });

  it('merges per-agent consumer overrides over the module defaults', () => {
    const base = resolveConsumerOptions({ concurrency: 4 }, DEFAULT_CONSUMER_OPTIONS, 'consumer');
    expect(resolveConsumerOptions({ visibilityTimeoutMs: 100 }, base, 'consumer')).toMatchObject({
      concurrency: 4,
      visibilityTimeoutMs: 100,
    });
  });

  it('adopts a client instance without owning it, and owns what it opens', () => {
    const mock = new RedisMock();
    expect(isRedisClient(mock)).toBe(true);
    expect(isRedisClient({ host: 'x' })).toBe(false);
    expect(openConnection(mock as never)).toEqual({ client: mock, owned: false });
    const opened = openConnection({ lazyConnect: true, host: '127.0.0.1' });
    expect(opened.owned).toBe(true);
    opened.client.disconnect();
  });
});
