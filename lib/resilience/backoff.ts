import { ConfigurationError } from '../errors';
import { assertInteger, assertNumber, optionsObject } from '../common/validate';

/**
 * How randomness spreads retry delays.
 *
 * @public
 */
export type JitterMode = 'none' | 'full' | 'equal';

/**
 * One retry policy, shared by `nack` scheduling and the {@link retry} helper.
 *
 * @public
 */
export interface RetryPolicy {
  /** Total attempts including the first (for `retry`); for the coordinator, retries after the first delivery. */
  maxAttempts: number;
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Growth factor per retry (1 = constant delay). */
  factor: number;
  /** Upper bound of any single delay. */
  maxDelayMs: number;
  /** `none`: exact; `full`: uniform in [0, d]; `equal`: uniform in [d/2, d]. */
  jitter: JitterMode;
}

/**
 * Defaults of {@link RetryPolicy}.
 *
 * @public
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 'full',
});

const JITTER_MODES: readonly JitterMode[] = ['none', 'full', 'equal'];

/**
 * Fills in defaults and validates a partial policy.
 *
 * @throws ConfigurationError naming the field
 */
export function resolveRetryPolicy(
  policy: Partial<RetryPolicy> = {},
  label = 'retryPolicy',
): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...optionsObject(policy, label) };
  assertInteger(merged.maxAttempts, `${label}.maxAttempts`, 0);
  assertNumber(merged.baseDelayMs, `${label}.baseDelayMs`, 0);
  assertNumber(merged.factor, `${label}.factor`, 1);
  assertNumber(merged.maxDelayMs, `${label}.maxDelayMs`, 0);
  if (merged.maxDelayMs < merged.baseDelayMs) {
    throw new ConfigurationError(
      `${label}.maxDelayMs`,
      'min',
      'must not be smaller than baseDelayMs',
    );
  }
  if (!(JITTER_MODES as readonly unknown[]).includes(merged.jitter)) {
    throw new ConfigurationError(
      `${label}.jitter`,
      'isIn',
      `must be one of ${JITTER_MODES.join(', ')}`,
    );
  }
  return merged;
}

/**
 * The delay before retry number `retry` (1 for the first retry), with jitter applied.
 * Always within [0, maxDelayMs] and a whole number of milliseconds.
 *
 * @param random a source of uniform numbers in [0, 1); injectable for tests
 * @throws ConfigurationError when `policy` is not an object, `retry` not a whole number (one
 *   below 1 counts as the first retry) or `random` not a function
 *
 * @public
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  if (typeof policy !== 'object' || policy === null) {
    throw new ConfigurationError('policy', 'isObject', 'must be a retry policy');
  }
  assertInteger(retry, 'retry', Number.MIN_SAFE_INTEGER);
  if (typeof random !== 'function') {
    throw new ConfigurationError('random', 'isFunction', 'must be a function');
  }
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * Math.pow(policy.factor, exponent),
  );
  switch (policy.jitter) {
    case 'none':
      return Math.floor(ceiling);
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
  }
}
