import {
  DEFAULT_COORDINATOR_LIMITS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_PAYLOAD_DEPTH,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_RECOVER_BATCH_SIZE,
  DEFAULT_REPLY_INBOX_TTL_MS,
  resolveCoordinatorOptions,
  resolveLimits,
} from '../../../lib/messaging/coordinator.options';
import { ConfigurationError, ErrorCode } from '../../../lib/errors';
import { silentLogger } from '../../../lib/common/logger';

describe('coordinator options', () => {
  it('defaults to SPEC §2', () => {
    const resolved = resolveCoordinatorOptions();
    expect(resolved).toEqual({
      keyPrefix: 'ao',
      limits: {
        queueSize: 10_000,
        retryAttempts: 3,
        backoffBaseMs: 1_000,
        backoffFactor: 2,
        backoffMaxMs: 30_000,
        jitter: 'full',
        dedupWindowMs: 600_000,
        retryPolicy: {
          maxAttempts: 3,
          baseDelayMs: 1_000,
          factor: 2,
          maxDelayMs: 30_000,
          jitter: 'full',
        },
      },
      maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
      maxPayloadDepth: DEFAULT_MAX_PAYLOAD_DEPTH,
      blockingReceive: undefined,
      pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
      recoverBatchSize: DEFAULT_RECOVER_BATCH_SIZE,
      replyInboxTtlMs: DEFAULT_REPLY_INBOX_TTL_MS,
      logger: silentLogger,
    });
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(1024 * 1024);
    expect(DEFAULT_REPLY_INBOX_TTL_MS).toBe(60_000);
    expect(Object.isFrozen(DEFAULT_COORDINATOR_LIMITS)).toBe(true);
  });

  it('takes every field, and undefined keeps the default', () => {
    const resolved = resolveCoordinatorOptions({
      keyPrefix: 'my.app:v1',
      queueSize: 7,
      retryAttempts: undefined,
      backoffBaseMs: 5,
      backoffFactor: 3,
      backoffMaxMs: 50,
      jitter: 'equal',
      dedupWindowMs: 0,
      maxPayloadBytes: 2,
      maxPayloadDepth: 1_000,
      blockingReceive: false,
      pollIntervalMs: 1,
      recoverBatchSize: 10_000,
    });
    expect(resolved.keyPrefix).toBe('my.app:v1');
    expect(resolved.limits).toMatchObject({
      queueSize: 7,
      retryAttempts: 3,
      dedupWindowMs: 0,
      retryPolicy: { maxAttempts: 3, baseDelayMs: 5, factor: 3, maxDelayMs: 50, jitter: 'equal' },
    });
    expect(resolved).toMatchObject({
      maxPayloadBytes: 2,
      maxPayloadDepth: 1_000,
      blockingReceive: false,
      pollIntervalMs: 1,
      recoverBatchSize: 10_000,
    });
  });

  it('merges changes over a base without touching it', () => {
    const base = resolveLimits(DEFAULT_COORDINATOR_LIMITS, { queueSize: 5 });
    const changed = resolveLimits(base, { retryAttempts: 9 });
    expect(changed).toMatchObject({ queueSize: 5, retryAttempts: 9 });
    expect(changed.retryPolicy.maxAttempts).toBe(9);
    expect(base.retryAttempts).toBe(3);
  });

  it.each([
    [{ keyPrefix: 'a b' }, 'keyPrefix', 'matches'],
    [{ keyPrefix: 5 as never }, 'keyPrefix', 'matches'],
    [{ maxPayloadBytes: 1 }, 'maxPayloadBytes', 'range'],
    [{ maxPayloadBytes: 10.5 }, 'maxPayloadBytes', 'isInt'],
    [{ maxPayloadDepth: 1_001 }, 'maxPayloadDepth', 'range'],
    [{ pollIntervalMs: 10_001 }, 'pollIntervalMs', 'range'],
    [{ recoverBatchSize: 10_001 }, 'recoverBatchSize', 'range'],
    [{ queueSize: 0 }, 'queueSize', 'range'],
    [{ retryAttempts: 1_001 }, 'retryAttempts', 'range'],
    [{ dedupWindowMs: 1.5 }, 'dedupWindowMs', 'isInt'],
    [{ backoffFactor: 0.9 }, 'backoff.factor', 'range'],
    [{ backoffBaseMs: Infinity }, 'backoff.baseDelayMs', 'isNumber'],
    [{ backoffMaxMs: 1, backoffBaseMs: 2 }, 'backoff.maxDelayMs', 'min'],
    [{ jitter: 'half' as never }, 'backoff.jitter', 'isIn'],
  ])('refuses %p naming %s (%s)', (options, field, rule) => {
    let error: unknown;
    try {
      resolveCoordinatorOptions(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field, rule, code: ErrorCode.INVALID_CONFIG });
  });
});
