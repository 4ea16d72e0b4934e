import { backoffDelay, resolveRetryPolicy } from '../../../lib/resilience/backoff';
import { ConfigurationError } from '../../../lib/errors';
import { errorOf } from '../../support/errors';

const thrown = (fn: () => unknown) => errorOf(ConfigurationError, fn);

describe('resolveRetryPolicy edges', () => {
  it('accepts a cap equal to the base delay, and zero delays', () => {
    expect(resolveRetryPolicy({ baseDelayMs: 50, maxDelayMs: 50 }).maxDelayMs).toBe(50);
    expect(resolveRetryPolicy({ baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 0 })).toMatchObject({
      baseDelayMs: 0,
      maxDelayMs: 0,
      maxAttempts: 0,
    });
    expect(resolveRetryPolicy({ factor: 1 }).factor).toBe(1);
  });

  it('explains a cap below the base delay and an unknown jitter mode', () => {
    const cap = thrown(() => resolveRetryPolicy({ baseDelayMs: 10, maxDelayMs: 9 }, 'p'));
    expect(cap).toMatchObject({ field: 'p.maxDelayMs', rule: 'min' });
    expect(cap.message).toBe(
      'Invalid p.maxDelayMs: must not be smaller than baseDelayMs (rule: min)',
    );
    const jitter = thrown(() => resolveRetryPolicy({ jitter: 'some' as never }, 'p'));
    expect(jitter).toMatchObject({ field: 'p.jitter', rule: 'isIn' });
    expect(jitter.message).toBe('Invalid p.jitter: must be one of none, full, equal (rule: isIn)');
  });

  it('names each field under the label', () => {
    expect(thrown(() => resolveRetryPolicy({ maxAttempts: 1.5 }, 'p')).field).toBe('p.maxAttempts');
    expect(thrown(() => resolveRetryPolicy({ factor: 0.5 }, 'p')).field).toBe('p.factor');
    expect(thrown(() => resolveRetryPolicy({ maxDelayMs: -1 }, 'p')).field).toBe('p.maxDelayMs');
    expect(thrown(() => resolveRetryPolicy({ maxAttempts: -1 })).field).toBe(
      'retryPolicy.maxAttempts',
    );
  });

  it('accepts every jitter mode', () => {
    for (const jitter of ['none', 'full', 'equal'] as const) {
      expect(resolveRetryPolicy({ jitter }).jitter).toBe(jitter);
    }
  });
});

describe('backoffDelay edges', () => {
  const policy = resolveRetryPolicy({
    baseDelayMs: 100,
    factor: 3,
    maxDelayMs: 10_000,
    jitter: 'none',
  });

  it('uses the exponent retry - 1', () => {
    expect(backoffDelay(policy, 1)).toBe(100);
    expect(backoffDelay(policy, 2)).toBe(300);
    expect(backoffDelay(policy, 3)).toBe(900);
    expect(backoffDelay(policy, -3)).toBe(100);
  });

  it('uses Math.random by default', () => {
    const full = { ...policy, jitter: 'full' as const };
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      expect(backoffDelay(full, 2)).toBe(150);
      expect(backoffDelay({ ...policy, jitter: 'equal' }, 2)).toBe(225);
    } finally {
      spy.mockRestore();
    }
  });
});
