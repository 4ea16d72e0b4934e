import { ConfigurationError, ValidationError } from '../errors';
import { assertInteger, assertNumber } from '../common/validate';
import { stripUndefined } from '../common/objects';

/**
 * The three states of a circuit breaker.
 *
 * @public
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * How a circuit breaker trips and recovers. Each process passes its own config with every
 * script call, so processes sharing a breaker name should use the same values.
 *
 * @public
 */
export interface CircuitBreakerConfig {
  /** Consecutive failures (across all processes) that open a closed breaker. Default 5. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before it lets probes through. Default 60 000 ms. */
  openTimeoutMs: number;
  /** Probe calls admitted during one half-open period, across all processes. Default 3. */
  halfOpenMaxCalls: number;
  /** Successful probes that close a half-open breaker; at most `halfOpenMaxCalls`. Default 2. */
  successThreshold: number;
  /**
   * Longest a half-open period may last (from its start) without closing; it then reopens, so
   * a lost or hung probe never leaves the breaker stuck. Must exceed `openTimeoutMs`.
   * Default 300 000 ms.
   */
  recoveryTimeoutMs: number;
  /**
   * Failure-rate mode, in addition to consecutive failures: a closed breaker also opens when
   * at least this share (0 < rate ≤ 1) of the calls in the rolling window failed. Off when
   * left out.
   */
  failureRateThreshold?: number;
  /** Length of the rolling window of the failure-rate mode. Default 60 000 ms. */
  rollingWindowMs: number;
  /** Fewest calls in the window before the failure rate can open the breaker. Default 10. */
  minimumCalls: number;
  /**
   * Which errors count as failures. An error for which it returns `false` is passed through
   * to the caller but counts as a success for the breaker (the dependency did answer).
   * Default: every error counts.
   */
  isFailure?: (error: unknown) => boolean;
}

/**
 * Defaults of {@link CircuitBreakerConfig}.
 *
 * @public
 */
export const DEFAULT_CIRCUIT_BREAKER_CONFIG: Readonly<CircuitBreakerConfig> = Object.freeze({
  failureThreshold: 5,
  openTimeoutMs: 60_000,
  halfOpenMaxCalls: 3,
  successThreshold: 2,
  recoveryTimeoutMs: 300_000,
  rollingWindowMs: 60_000,
  minimumCalls: 10,
});

/** Longest open timeout accepted: one day. */
export const MAX_OPEN_TIMEOUT_MS = 86_400_000;
/** Longest recovery timeout and rolling window accepted: seven days (the shared state's TTL). */
export const MAX_RECOVERY_TIMEOUT_MS = 7 * 86_400_000;

const FIELDS: ReadonlySet<string> = new Set([
  'failureThreshold',
  'openTimeoutMs',
  'halfOpenMaxCalls',
  'successThreshold',
  'recoveryTimeoutMs',
  'failureRateThreshold',
  'rollingWindowMs',
  'minimumCalls',
  'isFailure',
]);

/**
 * Fills in defaults (first `defaults`, then the built-in ones) and checks every field and
 * every rule between fields. Unknown fields are refused so that typos surface.
 *
 * @throws ConfigurationError naming the field and the rule
 */
export function resolveCircuitBreakerConfig(
  config: Partial<CircuitBreakerConfig> = {},
  defaults: Partial<CircuitBreakerConfig> = {},
  label = 'config',
): CircuitBreakerConfig {
  for (const [source, value] of [
    ['defaults', defaults],
    [label, config],
  ] as const) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigurationError(source, 'isObject', 'must be an object');
    }
    for (const key of Object.keys(value)) {
      if (!FIELDS.has(key))
        throw new ConfigurationError(`${source}.${key}`, 'unknown', 'is not a breaker option');
    }
  }
  const merged: CircuitBreakerConfig = {
    ...DEFAULT_CIRCUIT_BREAKER_CONFIG,
    ...stripUndefined(defaults),
    ...stripUndefined(config),
  };
  assertInteger(merged.failureThreshold, `${label}.failureThreshold`, 1, 1_000_000);
  assertInteger(merged.openTimeoutMs, `${label}.openTimeoutMs`, 1, MAX_OPEN_TIMEOUT_MS);
  assertInteger(merged.halfOpenMaxCalls, `${label}.halfOpenMaxCalls`, 1, 10_000);
  assertInteger(merged.successThreshold, `${label}.successThreshold`, 1, 10_000);
  assertInteger(merged.recoveryTimeoutMs, `${label}.recoveryTimeoutMs`, 2, MAX_RECOVERY_TIMEOUT_MS);
  assertInteger(merged.rollingWindowMs, `${label}.rollingWindowMs`, 10, MAX_RECOVERY_TIMEOUT_MS);
  assertInteger(merged.minimumCalls, `${label}.minimumCalls`, 1, 1_000_000);
  if (merged.successThreshold > merged.halfOpenMaxCalls) {
    throw new ConfigurationError(
      `${label}.successThreshold`,
      'maxHalfOpenCalls',
      `must not exceed halfOpenMaxCalls (${merged.halfOpenMaxCalls}), or a half-open breaker could never close`,
    );
  }
  if (merged.recoveryTimeoutMs <= merged.openTimeoutMs) {
    throw new ConfigurationError(
      `${label}.recoveryTimeoutMs`,
      'greaterThanOpenTimeout',
      `must exceed openTimeoutMs (${merged.openTimeoutMs})`,
    );
  }
  if (merged.failureRateThreshold !== undefined) {
    assertNumber(merged.failureRateThreshold, `${label}.failureRateThreshold`, 0, 1);
    if (merged.failureRateThreshold === 0) {
      throw new ConfigurationError(
        `${label}.failureRateThreshold`,
        'range',
        'must be above 0 (leave it out to turn the failure-rate mode off)',
      );
    }
  }
  if (merged.isFailure !== undefined && typeof merged.isFailure !== 'function') {
    throw new ConfigurationError(`${label}.isFailure`, 'isFunction', 'must be a function');
  }
  return Object.freeze(merged);
}

/** Whether two resolved configs behave the same. */
export function sameBreakerConfig(a: CircuitBreakerConfig, b: CircuitBreakerConfig): boolean {
  return [...FIELDS].every(
    (field) => a[field as keyof CircuitBreakerConfig] === b[field as keyof CircuitBreakerConfig],
  );
}

/** Breaker names: 1–128 characters of `[A-Za-z0-9_.:-]` (they become part of a key). */
export const BREAKER_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Checks a breaker name.
 *
 * @throws ValidationError for a name outside {@link BREAKER_NAME_PATTERN}
 */
export function assertBreakerName(name: unknown): string {
  if (typeof name !== 'string' || !BREAKER_NAME_PATTERN.test(name)) {
    throw new ValidationError('name', 'matches', `must match ${String(BREAKER_NAME_PATTERN)}`);
  }
  return name;
}
