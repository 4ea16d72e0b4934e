import fc from 'fast-check';
import {
  CircuitBreakerOpenError,
  ConfigurationError,
  OperationAbortedError,
  ValidationError,
} from '../../../lib/errors';
import {
  backoffDelay,
  resolveRetryPolicy,
  type JitterMode,
  type RetryPolicy,
} from '../../../lib/resilience/backoff';
import { retry, type RetryInfo } from '../../../lib/resilience/retry';

const NO_WAIT: Partial<RetryPolicy> = { baseDelayMs: 0, maxDelayMs: 0, jitter: 'none' };

/** An fn that fails `failures` times, then resolves with the attempt number. */
function flaky(failures: number): jest.Mock<Promise<number>, [number]> {
  return jest.fn((attempt: number) =>
    attempt <= failures ? Promise.reject(new Error(`fail ${attempt}`)) : Promise.resolve(attempt),
  );
}

const policyArb = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 6 }),
  baseDelayMs: fc.integer({ min: 0, max: 4 }),
  factor: fc.double({ min: 1, max: 3, noNaN: true }),
  maxDelayMs: fc.integer({ min: 4, max: 12 }),
  jitter: fc.constantFrom<JitterMode>('none', 'full', 'equal'),
});

function ceiling(policy: RetryPolicy, retryNumber: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (retryNumber - 1));
}

describe('retry', () => {
  it('calls fn exactly maxAttempts times in all, then rejects with the last error unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), async (maxAttempts) => {
        const errors: Error[] = [];
        const fn = jest.fn(() => {
          const error = new TypeError(`attempt ${errors.length + 1}`);
          errors.push(error);
          return Promise.reject(error);
        });
        const outcome = await retry(fn, { ...NO_WAIT, maxAttempts }).catch((e: unknown) => e);
        expect(fn).toHaveBeenCalledTimes(maxAttempts);
        expect(outcome).toBe(errors[maxAttempts - 1]);
      }),
    );
  });

  it('resolves with the first success, after as many attempts as it took', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), async (failures) => {
        const fn = flaky(failures);
        await expect(retry(fn, { ...NO_WAIT, maxAttempts: 6 })).resolves.toBe(failures + 1);
        expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual(
          Array.from({ length: failures + 1 }, (_, i) => i + 1),
        );
      }),
    );
  });

  it('waits backoffDelay before each retry, within the jitter bounds and the cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.array(fc.double({ min: 0, max: 0.9999999, noNaN: true }), {
          minLength: 8,
          maxLength: 8,
        }),
        async (policy, randoms) => {
          let next = 0;
          const random = (): number => randoms[next++ % randoms.length];
          const infos: RetryInfo[] = [];
          const stamps: number[] = [];
          const fn = jest.fn(() => {
            stamps.push(performance.now());
            return Promise.reject(new Error('no'));
          });
          await retry(fn, policy, { random, onRetry: (info) => infos.push(info) }).catch(
            () => undefined,
          );
          expect(infos.map((i) => i.attempt)).toEqual(
            Array.from({ length: policy.maxAttempts - 1 }, (_, i) => i + 1),
          );
          infos.forEach((info, index) => {
            const retryNumber = index + 1;
            const top = ceiling(policy, retryNumber);
            expect(Number.isInteger(info.delayMs)).toBe(true);
            expect(info.delayMs).toBeLessThanOrEqual(policy.maxDelayMs);
            if (policy.jitter === 'none') expect(info.delayMs).toBe(Math.floor(top));
            if (policy.jitter === 'full') {
              expect(info.delayMs).toBeGreaterThanOrEqual(0);
              expect(info.delayMs).toBeLessThanOrEqual(top);
            }
            if (policy.jitter === 'equal') {
              expect(info.delayMs).toBeGreaterThanOrEqual(Math.floor(top / 2));
              expect(info.delayMs).toBeLessThanOrEqual(top);
            }
            // The wait really happened (timers may fire a millisecond early).
            expect(stamps[index + 1] - stamps[index]).toBeGreaterThanOrEqual(info.delayMs - 1);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('uses the same delays as backoffDelay for the same randomness', async () => {
    const policy = resolveRetryPolicy({
      maxAttempts: 4,
      baseDelayMs: 2,
      factor: 2,
      maxDelayMs: 5,
      jitter: 'equal',
    });
    const randoms = [0.1, 0.5, 0.9];
    const infos: RetryInfo[] = [];
    let i = 0;
    await retry(() => Promise.reject(new Error('x')), policy, {
      random: () => randoms[i++],
      onRetry: (info) => infos.push(info),
    }).catch(() => undefined);
    expect(infos.map((info) => info.delayMs)).toEqual(
      randoms.map((r, index) => backoffDelay(policy, index + 1, () => r)),
    );
  });

  it('stops at once when retryIf says no, passing error and attempt', async () => {
    const error = new Error('fatal');
    const fn = jest.fn(() => Promise.reject(error));
    const retryIf = jest.fn(() => false);
    const onRetry = jest.fn();
    await expect(retry(fn, { ...NO_WAIT, maxAttempts: 5 }, { retryIf, onRetry })).rejects.toBe(
      error,
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(retryIf).toHaveBeenCalledWith(error, 1);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('retries while retryIf says yes and stops when it says no', async () => {
    const fn = flaky(10);
    await expect(
      retry(fn, { ...NO_WAIT, maxAttempts: 10 }, { retryIf: (_, attempt) => attempt < 3 }),
    ).rejects.toThrow('fail 3');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('by default does not retry errors the package marks not retryable', async () => {
    const invalid = jest.fn(() => Promise.reject(new ValidationError('x', 'rule', 'bad')));
    await expect(retry(invalid, { ...NO_WAIT, maxAttempts: 3 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(invalid).toHaveBeenCalledTimes(1);
    const open = jest.fn(() => Promise.reject(new CircuitBreakerOpenError('b', 'open', 0)));
    await expect(retry(open, { ...NO_WAIT, maxAttempts: 3 })).rejects.toBeInstanceOf(
      CircuitBreakerOpenError,
    );
    expect(open).toHaveBeenCalledTimes(3);
  });

  it('tells onRetry the failed attempt, its error and the delay', async () => {
    const infos: RetryInfo[] = [];
    const fn = flaky(2);
    await retry(
      fn,
      { maxAttempts: 3, baseDelayMs: 3, factor: 2, maxDelayMs: 10, jitter: 'none' },
      {
        onRetry: (info) => infos.push(info),
      },
    );
    expect(infos.map((i) => [i.attempt, i.delayMs, (i.error as Error).message])).toEqual([
      [1, 3, 'fail 1'],
      [2, 6, 'fail 2'],
    ]);
  });

  it('rejects with the error onRetry throws, without retrying further', async () => {
    const fn = flaky(5);
    const hookError = new Error('hook');
    await expect(
      retry(
        fn,
        { ...NO_WAIT, maxAttempts: 5 },
        {
          onRetry: () => {
            throw hookError;
          },
        },
      ),
    ).rejects.toBe(hookError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not call fn when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    const fn = jest.fn(() => Promise.resolve(1));
    const error = await retry(fn, NO_WAIT, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect((error as Error).cause).toEqual(new Error('shutdown'));
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects promptly when aborted during a wait, and calls fn no more', async () => {
    const controller = new AbortController();
    const fn = jest.fn(() => Promise.reject(new Error('down')));
    const started = Date.now();
    const pending = retry(
      fn,
      { maxAttempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000, jitter: 'none' },
      { signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(), 20) },
    );
    await expect(pending).rejects.toBeInstanceOf(OperationAbortedError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('passes the signal to fn and stops after an attempt during which it was aborted', async () => {
    const controller = new AbortController();
    const fn = jest.fn((_attempt: number, signal?: AbortSignal) => {
      expect(signal).toBe(controller.signal);
      controller.abort();
      return Promise.reject(new Error('cut'));
    });
    await expect(
      retry(fn, { ...NO_WAIT, maxAttempts: 3 }, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(OperationAbortedError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('accepts a synchronous fn and a sync throw', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
          if (calls < 2) throw new Error('sync');
          return 'done';
        },
        { ...NO_WAIT, maxAttempts: 2 },
      ),
    ).resolves.toBe('done');
  });

  it('refuses a policy that cannot work', async () => {
    await expect(retry(() => 1, { maxAttempts: 0 })).rejects.toMatchObject({
      field: 'policy.maxAttempts',
    });
    await expect(retry(() => 1, { baseDelayMs: 10, maxDelayMs: 5 })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(retry(() => 1, { jitter: 'random' as JitterMode })).rejects.toMatchObject({
      field: 'policy.jitter',
    });
  });
});

describe('backoffDelay', () => {
  it('stays within [0, ceiling] (full) and [ceiling/2, ceiling] (equal) for any randomness', () => {
    fc.assert(
      fc.property(
        fc.record({
          maxAttempts: fc.constant(3),
          baseDelayMs: fc.integer({ min: 0, max: 10_000 }),
          factor: fc.double({ min: 1, max: 10, noNaN: true }),
          maxDelayMs: fc.integer({ min: 10_000, max: 100_000 }),
          jitter: fc.constantFrom<JitterMode>('full', 'equal', 'none'),
        }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (policy, retryNumber, r) => {
          const delay = backoffDelay(policy, retryNumber, () => r);
          const top = ceiling(policy, retryNumber);
          const low =
            policy.jitter === 'full'
              ? 0
              : policy.jitter === 'equal'
                ? Math.floor(top / 2)
                : Math.floor(top);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(low);
          expect(delay).toBeLessThanOrEqual(Math.min(top, policy.maxDelayMs));
        },
      ),
    );
  });

  it('runs with the default policy when none is given', async () => {
    await expect(retry(() => 'done')).resolves.toBe('done');
  });

  it('does not wait for the next attempt when onRetry aborts', async () => {
    const controller = new AbortController();
    const fn = flaky(5);
    const started = Date.now();
    await expect(
      retry(
        fn,
        { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' },
        { signal: controller.signal, onRetry: () => controller.abort('stop') },
      ),
    ).rejects.toBeInstanceOf(OperationAbortedError);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
