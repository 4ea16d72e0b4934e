import { assertInteger } from '../common/validate';
import { OperationAbortedError, isAgentCoordinationError } from '../errors';
import { backoffDelay, resolveRetryPolicy, type RetryPolicy } from './backoff';

/**
 * What {@link RetryOptions.onRetry} is told before each wait.
 *
 * @public
 */
export interface RetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number;
  /** What it threw. */
  error: unknown;
  /** How long `retry` waits before the next attempt. */
  delayMs: number;
}

/**
 * Options of {@link retry}.
 *
 * @public
 */
export interface RetryOptions {
  /**
   * Whether to try again after `error` from attempt number `attempt` (from 1). Default:
   * everything except this package's errors marked not retryable (validation, config, ...).
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait. If it throws, `retry` stops and rejects with that error. */
  onRetry?: (info: RetryInfo) => void;
  /** Stops the retries: `retry` then rejects with `OperationAbortedError` at once. */
  signal?: AbortSignal;
  /** Uniform numbers in [0, 1) for the jitter; injectable for tests. */
  random?: () => number;
}

/**
 * The default of {@link RetryOptions.retryIf}.
 *
 * @public
 */
export function isRetryableError(error: unknown): boolean {
  return !isAgentCoordinationError(error) || error.retryable;
}

/**
 * Calls `fn` until it resolves, at most `policy.maxAttempts` times in all, waiting
 * `backoffDelay(policy, n)` before retry n (the delays nack scheduling uses). Rejects with the
 * last error, unchanged, once attempts run out or `retryIf` says no.
 *
 * @param fn gets the attempt number (from 1) and the signal
 * @throws ConfigurationError for a bad policy (maxAttempts must be at least 1 here);
 *   OperationAbortedError when `signal` aborts
 *
 * @public
 */
export async function retry<T>(
  fn: (attempt: number, signal?: AbortSignal) => T | Promise<T>,
  policy: Partial<RetryPolicy> = {},
  options: RetryOptions = {},
): Promise<T> {
  const resolved = resolveRetryPolicy(policy, 'policy');
  assertInteger(resolved.maxAttempts, 'policy.maxAttempts', 1);
  const { retryIf = isRetryableError, onRetry, signal, random = Math.random } = options;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt, signal);
    } catch (error) {
      throwIfAborted(signal);
      if (attempt >= resolved.maxAttempts || !retryIf(error, attempt)) throw error;
      const delayMs = backoffDelay(resolved, attempt, random);
      onRetry?.({ attempt, error, delayMs });
      await abortableSleep(delayMs, signal);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new OperationAbortedError('retry', signal.reason);
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OperationAbortedError('retry', signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OperationAbortedError('retry', signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
