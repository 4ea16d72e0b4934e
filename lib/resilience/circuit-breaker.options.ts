import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import { assertInteger, assertKeyPrefix, optionsObject } from '../common/validate';
import { ConfigurationError } from '../errors';

/**
 * How a breaker talks to Redis; shared by every breaker of a registry.
 *
 * @public
 */
export interface CircuitBreakerOptions {
  /** Key prefix. Default `ao`. */
  keyPrefix: string;
  /**
   * Longest a breaker waits for one Redis round trip before deciding on local state, so a
   * slow or unreachable Redis never holds up the guarded call for long. Default 500 ms.
   */
  commandTimeoutMs: number;
  /** While on local state, how often a call tries Redis again. Default 1 000 ms. */
  resyncIntervalMs: number;
  /** Publish state changes on the breaker channel for other processes. Default true. */
  publishEvents: boolean;
  /**
   * Told about Redis trouble the breaker worked around (it then runs on local state).
   * Default: ignore.
   */
  onError: (error: Error) => void;
}

/** Time to live of a breaker's hash after its last write: seven days. */
export const BREAKER_STATE_TTL_MS = 7 * 86_400_000;

/**
 * Fills in defaults and checks the options.
 *
 * @throws ConfigurationError naming the option
 */
export function resolveCircuitBreakerOptions(
  options: Partial<CircuitBreakerOptions> = {},
): CircuitBreakerOptions {
  const merged: CircuitBreakerOptions = {
    keyPrefix: DEFAULT_KEY_PREFIX,
    commandTimeoutMs: 500,
    resyncIntervalMs: 1_000,
    publishEvents: true,
    onError: () => undefined,
    ...optionsObject(options, 'options'),
  };
  assertKeyPrefix(merged.keyPrefix);
  assertInteger(merged.commandTimeoutMs, 'commandTimeoutMs', 1, 60_000);
  assertInteger(merged.resyncIntervalMs, 'resyncIntervalMs', 0, 3_600_000);
  if (typeof merged.publishEvents !== 'boolean') {
    throw new ConfigurationError('publishEvents', 'isBoolean', 'must be true or false');
  }
  if (typeof merged.onError !== 'function') {
    throw new ConfigurationError('onError', 'isFunction', 'must be a function');
  }
  return merged;
}
