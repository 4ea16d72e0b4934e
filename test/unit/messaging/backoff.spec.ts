import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  resolveRetryPolicy,
  type RetryPolicy,
} from '../../../lib/resilience/backoff';
import { ConfigurationError } from '../../../lib/errors';

const policy = (extra: Partial<RetryPolicy> = {}): RetryPolicy =>
  resolveRetryPolicy({ baseDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 'none', ...extra });

describe('backoff used by nack', () => {
  it('grows by the factor per retry and stops at the cap (jitter none)', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(policy(), retry));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    // Retry 0 (or below) is treated as the first.
    expect(backoffDelay(policy(), 0)).toBe(100);
  });

  it('factor 1 keeps the delay constant; fractions are floored', () => {
    expect([1, 2, 3].map((r) => backoffDelay(policy({ factor: 1 }), r))).toEqual([100, 100, 100]);
    expect(backoffDelay(policy({ baseDelayMs: 10, factor: 1.5 }), 2)).toBe(15);
    expect(backoffDelay(policy({ baseDelayMs: 10, factor: 1.55 }), 2)).toBe(15);
  });

  it('full jitter spreads over [0, d]', () => {
    expect(backoffDelay(policy({ jitter: 'full' }), 3, () => 0)).toBe(0);
    expect(backoffDelay(policy({ jitter: 'full' }), 3, () => 0.5)).toBe(200);
    expect(backoffDelay(policy({ jitter: 'full' }), 3, () => 0.999999)).toBe(399);
  });

  it('equal jitter spreads over [d/2, d]', () => {
    expect(backoffDelay(policy({ jitter: 'equal' }), 3, () => 0)).toBe(200);
    expect(backoffDelay(policy({ jitter: 'equal' }), 3, () => 0.5)).toBe(300);
    expect(backoffDelay(policy({ jitter: 'equal' }), 3, () => 0.999999)).toBe(399);
  });

  it('stays whole and within [0, maxDelayMs] for random draws', () => {
    for (const jitter of ['none', 'full', 'equal'] as const) {
      for (let retry = 1; retry < 40; retry++) {
        const delay = backoffDelay(policy({ jitter }), retry);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(1_000);
      }
    }
  });

  it('defaults to SPEC §2 and validates every field', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxAttempts: undefined })).toEqual(DEFAULT_RETRY_POLICY);
    expect(() => resolveRetryPolicy({ maxAttempts: -1 })).toThrow(ConfigurationError);
    expect(() => resolveRetryPolicy({ baseDelayMs: -1 }, 'p')).toThrow(
      expect.objectContaining({ field: 'p.baseDelayMs' }) as Error,
    );
    expect(() => resolveRetryPolicy({ factor: 0 })).toThrow(ConfigurationError);
    expect(() => resolveRetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(
      expect.objectContaining({ field: 'retryPolicy.maxDelayMs', rule: 'min' }) as Error,
    );
    expect(() => resolveRetryPolicy({ jitter: 'lots' as never })).toThrow(ConfigurationError);
  });
});
