import { assertInteger, assertKeyPrefix, optionsObject } from '../common/validate';
import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import { silentLogger, type CoordinationLogger } from '../common/logger';
import { resolveRetryPolicy, type RetryPolicy } from '../resilience/backoff';
import {
  assertInstrumentation,
  type CoordinatorInstrumentation,
} from './coordinator-instrumentation';
import type { CoordinatorLimits } from './message-coordinator';

/**
 * Options of {@link RedisMessageCoordinator}: the runtime limits plus connection-level settings.
 *
 * @public
 */
export interface RedisMessageCoordinatorOptions extends Partial<CoordinatorLimits> {
  /** Prefix of every key. Default `ao`. */
  keyPrefix?: string;
  /** Largest serialised payload. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Deepest payload nesting. Default 64. */
  maxPayloadDepth?: number;
  /**
   * Whether waiting receivers block on Redis (`BLPOP` on a duplicated connection).
   * Default: yes, except on clients that cannot block (ioredis-mock), which poll.
   */
  blockingReceive?: boolean;
  /** Poll step when not blocking. Default 20 ms. */
  pollIntervalMs?: number;
  /** Expired reservations moved per script call in `recoverPending`. Default 100. */
  recoverBatchSize?: number;
  /**
   * How long the keys of a reply inbox outlive its process: the inbox of this coordinator's
   * `request()` calls refreshes its keys' time to live every third of it while the coordinator
   * is open, and each RESPONSE this coordinator sends to an inbox sets it again, so the inbox
   * of a process that died (or a late answer to it) is gone from Redis after at most this
   * long. Default 60 000 ms; at least 100.
   */
  replyInboxTtlMs?: number;
  /**
   * Hears about the connections the coordinator opens (blocking receives): one line when
   * Redis stops answering, one when it answers again. Default {@link silentLogger}.
   */
  logger?: CoordinationLogger;
  /**
   * Tracing and metrics hooks around sends (see {@link CoordinatorInstrumentation}), e.g. the
   * OpenTelemetry ones of `createTracingInstrumentation()`. Default none: no work per call.
   *
   * @beta
   */
  instrumentation?: CoordinatorInstrumentation;
}

/**
 * Defaults of {@link CoordinatorLimits} (SPEC §2).
 *
 * @public
 */
export const DEFAULT_COORDINATOR_LIMITS: Readonly<CoordinatorLimits> = Object.freeze({
  queueSize: 10_000,
  retryAttempts: 3,
  backoffBaseMs: 1_000,
  backoffFactor: 2,
  backoffMaxMs: 30_000,
  jitter: 'full',
  dedupWindowMs: 600_000,
});

/** Default payload cap: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Default payload nesting cap. */
export const DEFAULT_MAX_PAYLOAD_DEPTH = 64;
/** The largest `maxPayloadDepth` a coordinator accepts. */
export const MAX_PAYLOAD_DEPTH_LIMIT = 1000;
/** Default poll step for clients that cannot block. */
export const DEFAULT_POLL_INTERVAL_MS = 20;
/** Default batch of `recoverPending`. */
export const DEFAULT_RECOVER_BATCH_SIZE = 100;
/** Default {@link RedisMessageCoordinatorOptions.replyInboxTtlMs}. */
export const DEFAULT_REPLY_INBOX_TTL_MS = 60_000;
/** Retries promoted to ready per reserve call. */
export const PROMOTE_BATCH_SIZE = 100;
/** Largest visibility timeout or wait accepted: one day. */
export const MAX_TIMEOUT_MS = 86_400_000;

/** Validated limits together with the retry policy they imply. */
export interface ResolvedLimits extends CoordinatorLimits {
  retryPolicy: RetryPolicy;
}

/**
 * Merges `changes` over `base` and validates the result.
 *
 * @throws ConfigurationError naming the field
 */
export function resolveLimits(
  base: CoordinatorLimits,
  changes: Partial<CoordinatorLimits>,
): ResolvedLimits {
  const limits = { ...base, ...optionsObject(changes, 'limits') };
  assertInteger(limits.queueSize, 'queueSize', 1);
  assertInteger(limits.retryAttempts, 'retryAttempts', 0, 1000);
  assertInteger(limits.dedupWindowMs, 'dedupWindowMs', 0);
  const retryPolicy = resolveRetryPolicy(
    {
      maxAttempts: limits.retryAttempts,
      baseDelayMs: limits.backoffBaseMs,
      factor: limits.backoffFactor,
      maxDelayMs: limits.backoffMaxMs,
      jitter: limits.jitter,
    },
    'backoff',
  );
  return {
    queueSize: limits.queueSize,
    retryAttempts: limits.retryAttempts,
    backoffBaseMs: limits.backoffBaseMs,
    backoffFactor: limits.backoffFactor,
    backoffMaxMs: limits.backoffMaxMs,
    jitter: limits.jitter,
    dedupWindowMs: limits.dedupWindowMs,
    retryPolicy,
  };
}

/** Everything a coordinator needs, validated. */
export interface ResolvedCoordinatorOptions {
  keyPrefix: string;
  limits: ResolvedLimits;
  maxPayloadBytes: number;
  maxPayloadDepth: number;
  blockingReceive: boolean | undefined;
  pollIntervalMs: number;
  recoverBatchSize: number;
  replyInboxTtlMs: number;
  logger: CoordinationLogger;
  instrumentation: CoordinatorInstrumentation | undefined;
}

/**
 * Validates constructor options.
 *
 * @throws ConfigurationError naming the field
 */
export function resolveCoordinatorOptions(
  options: RedisMessageCoordinatorOptions = {},
): ResolvedCoordinatorOptions {
  optionsObject(options, 'options');
  return {
    keyPrefix: assertKeyPrefix(options.keyPrefix ?? DEFAULT_KEY_PREFIX),
    limits: resolveLimits(DEFAULT_COORDINATOR_LIMITS, options),
    maxPayloadBytes: assertInteger(
      options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      'maxPayloadBytes',
      2,
    ),
    maxPayloadDepth: assertInteger(
      options.maxPayloadDepth ?? DEFAULT_MAX_PAYLOAD_DEPTH,
      'maxPayloadDepth',
      1,
      MAX_PAYLOAD_DEPTH_LIMIT,
    ),
    blockingReceive: options.blockingReceive,
    pollIntervalMs: assertInteger(
      options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      'pollIntervalMs',
      1,
      10_000,
    ),
    recoverBatchSize: assertInteger(
      options.recoverBatchSize ?? DEFAULT_RECOVER_BATCH_SIZE,
      'recoverBatchSize',
      1,
      10_000,
    ),
    replyInboxTtlMs: assertInteger(
      options.replyInboxTtlMs ?? DEFAULT_REPLY_INBOX_TTL_MS,
      'replyInboxTtlMs',
      100,
      MAX_TIMEOUT_MS,
    ),
    logger: options.logger ?? silentLogger,
    instrumentation: assertInstrumentation(options.instrumentation),
  };
}
