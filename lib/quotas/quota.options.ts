import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import { stripUndefined } from '../common/objects';
import { assertInteger, assertKeyPrefix } from '../common/validate';
import { ConfigurationError, ValidationError } from '../errors';
import { assertAmount, assertOptions } from './quota.validation';

/**
 * The limits of one quota; at least one must be given.
 *
 * @beta
 */
export interface QuotaLimits {
  /** Requests admitted in any sliding window. */
  requestsPerMinute?: number;
  /** Tokens charged (estimates, then settled amounts) in any sliding window. */
  tokensPerMinute?: number;
  /** Leases held at once. */
  concurrency?: number;
  /**
   * Length of the sliding window the per-minute limits count over. Default 60 000 (a minute);
   * shorter windows are for tests.
   */
  windowMs?: number;
}

/** {@link QuotaLimits} with defaults filled in; 0 means no limit. */
export interface ResolvedQuotaLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrency: number;
  windowMs: number;
}

/**
 * Default length of a quota's sliding window: a minute.
 *
 * @beta
 */
export const DEFAULT_QUOTA_WINDOW_MS = 60_000;

/**
 * Checks a quota's limits.
 *
 * @throws ValidationError naming the limit
 */
export function resolveQuotaLimits(limits: QuotaLimits): ResolvedQuotaLimits {
  const given = assertOptions(limits, 'limits');
  const known = ['requestsPerMinute', 'tokensPerMinute', 'concurrency', 'windowMs'];
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new ValidationError(`limits.${key}`, 'whitelist', 'is not a quota limit');
    }
  }
  const positive = (key: keyof QuotaLimits): number => {
    const value = given[key];
    if (value === undefined) return 0;
    if (assertAmount(value, `limits.${key}`) === 0) {
      throw new ValidationError(`limits.${key}`, 'min', 'must be at least 1');
    }
    return value;
  };
  const resolved: ResolvedQuotaLimits = {
    requestsPerMinute: positive('requestsPerMinute'),
    tokensPerMinute: positive('tokensPerMinute'),
    concurrency: positive('concurrency'),
    windowMs: given.windowMs === undefined ? DEFAULT_QUOTA_WINDOW_MS : positive('windowMs'),
  };
  if (!resolved.requestsPerMinute && !resolved.tokensPerMinute && !resolved.concurrency) {
    throw new ValidationError(
      'limits',
      'atLeastOne',
      'needs requestsPerMinute, tokensPerMinute or concurrency',
    );
  }
  return resolved;
}

/**
 * Options of {@link RedisQuotaRegistry}.
 *
 * @beta
 */
export interface QuotaRegistryOptions {
  /** Key prefix. Default `ao`. */
  keyPrefix: string;
  /**
   * How long a lease holds its concurrency slot unless settled first: a holder that crashes
   * gives its slot back after this. Default 60 000 ms; `acquire` can set it per lease.
   */
  leaseTtlMs: number;
  /**
   * Longest a waiting process goes without asking Redis again, should a wake-up be lost.
   * Default 1 000 ms.
   */
  pollIntervalMs: number;
  /**
   * How long a waiting process keeps its place in line without asking again: a crashed
   * waiter leaves the line after this. Must exceed `pollIntervalMs`. Default 5 000 ms.
   */
  seatTtlMs: number;
  /**
   * Listen for wake-ups on the quota channel (on a duplicated connection this registry opens
   * and closes), so a waiter is served as soon as another process frees capacity. Without
   * it waiters poll every `pollIntervalMs`. Default true.
   */
  subscribe: boolean;
  /** Told about Redis trouble the registry worked around (a lost wake-up). Default: ignore. */
  onError: (error: Error) => void;
}

/**
 * Fills in defaults and checks the options.
 *
 * @throws ConfigurationError naming the option
 */
export function resolveQuotaRegistryOptions(
  options: Partial<QuotaRegistryOptions> = {},
): QuotaRegistryOptions {
  const merged: QuotaRegistryOptions = {
    keyPrefix: DEFAULT_KEY_PREFIX,
    leaseTtlMs: 60_000,
    pollIntervalMs: 1_000,
    seatTtlMs: 5_000,
    subscribe: true,
    onError: () => undefined,
    ...stripUndefined(options),
  };
  assertKeyPrefix(merged.keyPrefix);
  assertInteger(merged.leaseTtlMs, 'leaseTtlMs', 1, 86_400_000);
  assertInteger(merged.pollIntervalMs, 'pollIntervalMs', 1, 60_000);
  assertInteger(merged.seatTtlMs, 'seatTtlMs', merged.pollIntervalMs + 1, 3_600_000);
  if (typeof merged.subscribe !== 'boolean') {
    throw new ConfigurationError('subscribe', 'isBoolean', 'must be true or false');
  }
  if (typeof merged.onError !== 'function') {
    throw new ConfigurationError('onError', 'isFunction', 'must be a function');
  }
  return merged;
}
