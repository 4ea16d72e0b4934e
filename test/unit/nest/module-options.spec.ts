import {
  ConfigurationError,
  DEFAULT_APP_IDENTITY,
  DEFAULT_CONSUMER_OPTIONS,
  silentLogger,
} from '../../../lib';
import {
  resolveConsumerOptions,
  resolveModuleOptions,
} from '../../../lib/nest/module/agent-coordination-options.resolver';
import { openConnection, isRedisClient } from '../../../lib/nest/module/redis.connection';
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
    expect(resolved.identity).toEqual({ type: 'app', instance: 'default' });
    expect(resolved.identity).toBe(DEFAULT_APP_IDENTITY);
  });

  it('resolves the identity, its instance filled in', () => {
    expect(resolveModuleOptions({ connection, identity: { type: 'shop' } }).identity).toEqual({
      type: 'shop',
      instance: 'default',
    });
    expect(
      resolveModuleOptions({ connection, identity: { type: 'shop', instance: 'eu-1' } }).identity,
    ).toEqual({ type: 'shop', instance: 'eu-1' });
  });

  it('refuses a bad identity with a ConfigurationError naming the field and the rule', () => {
    const error = (() => {
      try {
        resolveModuleOptions({ connection, identity: { type: 'shop', instance: 'a b' } });
      } catch (e) {
        return e as ConfigurationError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^Invalid identity\.instance: .+ \(rule: matches\)$/);
    expect(error.message).not.toMatch(/Invalid identity\.instance: Invalid/);
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
    [{ connection: 'redis://[::1' }, 'connection'],
    [{ connection, consumer: 'fast' }, 'consumer'],
    [{ connection, coordinator: [] }, 'coordinator'],
    [{ connection, metrics: { prometheus: 'yes' } }, 'metrics.prometheus'],
    [{ connection, tracing: { tracerName: '' } }, 'tracing.tracerName'],
    [{ connection, tracing: { tracerName: 7 } }, 'tracing.tracerName'],
    [{ connection, identity: 'shop' }, 'identity'],
    [{ connection, identity: { type: 'a:b' } }, 'identity.type'],
    [{ connection, identity: { type: 'shop', role: 'x' } }, 'identity.role'],
  ])('rejects %j naming %s', (options, field) => {
    expect(fieldOf(() => resolveModuleOptions(options as never))).toBe(field);
  });

  it.each([null, 'redis://x', [{ connection }]])('rejects %j as the options object', (options) => {
    expect(fieldOf(() => resolveModuleOptions(options as never))).toBe('options');
  });

  it('rejects per-agent consumer options that are not an object, naming the label', () => {
    expect(fieldOf(() => resolveConsumerOptions(5 as never, DEFAULT_CONSUMER_OPTIONS, 'x'))).toBe(
      'x',
    );
  });

  it('lets errors other than configuration errors through unchanged', () => {
    const boom = new Error('getter failed');
    const coordinator = {
      get retryAttempts(): number {
        throw boom;
      },
    };
    expect(() => resolveModuleOptions({ connection, coordinator })).toThrow(boom);
  });

  it('keeps the detail of a nested error when it prefixes the field', () => {
    expect(() => resolveModuleOptions({ connection, coordinator: { retryAttempts: -1 } })).toThrow(
      'Invalid coordinator.retryAttempts: must be between 0 and 1000, got -1 (rule: range)',
    );
  });

  it('accepts a client instance as the connection, and undefined consumer fields as unset', () => {
    const client = new RedisMock();
    const resolved = resolveModuleOptions({
      connection: client,
      consumer: { concurrency: undefined, receiveWaitMs: 5 },
    });
    expect(resolved.connection).toBe(client);
    expect(resolved.consumer).toEqual({ ...DEFAULT_CONSUMER_OPTIONS, receiveWaitMs: 5 });
  });

  it('accepts objects without a prototype as plain objects', () => {
    const consumer = Object.assign(Object.create(null) as object, { concurrency: 3 });
    expect(resolveModuleOptions({ connection, consumer }).consumer.concurrency).toBe(3);
  });

  it('keeps a copy of custom latency buckets', () => {
    const buckets = [1, 2, 3];
    const resolved = resolveModuleOptions({ connection, metrics: { latencyBucketsMs: buckets } });
    buckets.push(4);
    expect(resolved.latencyBucketsMs).toEqual([1, 2, 3]);
    expect(Object.isFrozen(resolved.latencyBucketsMs)).toBe(true);
  });

  it('resolves Prometheus export: true takes the defaults, an object its own prefix', () => {
    const registry = {};
    expect(resolveModuleOptions({ connection, metrics: { prometheus: true } }).prometheus).toEqual({
      registry: undefined,
      prefix: 'agent_coordination_',
    });
    expect(
      resolveModuleOptions({ connection, metrics: { prometheus: { registry, prefix: 'my_' } } })
        .prometheus,
    ).toEqual({ registry, prefix: 'my_' });
    expect(resolveModuleOptions({ connection, metrics: { prometheus: false } }).prometheus).toBe(
      null,
    );
  });

  it('resolves tracing: off, default name, or a given name', () => {
    expect(resolveModuleOptions({ connection, tracing: false }).tracing).toBeNull();
    expect(resolveModuleOptions({ connection, tracing: true }).tracing).toEqual({
      tracerName: 'tta-agent-coordination',
    });
    expect(resolveModuleOptions({ connection, tracing: {} }).tracing).toEqual({
      tracerName: 'tta-agent-coordination',
    });
    expect(resolveModuleOptions({ connection, tracing: { tracerName: 'svc' } }).tracing).toEqual({
      tracerName: 'svc',
    });
  });

  it('merges per-agent consumer overrides over the module defaults', () => {
    const base = resolveConsumerOptions({ concurrency: 4 }, DEFAULT_CONSUMER_OPTIONS, 'consumer');
    expect(resolveConsumerOptions({ visibilityTimeoutMs: 100 }, base, 'consumer')).toMatchObject({
      concurrency: 4,
      visibilityTimeoutMs: 100,
    });
  });

  it('adopts a client instance without owning it', async () => {
    const mock = new RedisMock();
    expect(isRedisClient(mock)).toBe(true);
    expect(isRedisClient({ host: 'x' })).toBe(false);
    expect(await openConnection(mock as never, 1_000, silentLogger)).toMatchObject({
      client: mock,
      owned: false,
    });
  });
});
