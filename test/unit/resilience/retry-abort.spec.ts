import { getEventListeners } from 'node:events';
import { OperationAbortedError } from '../../../lib/errors';
import { retry } from '../../../lib/resilience/retry';

const failing = () => jest.fn(() => Promise.reject(new Error('down')));
const slow = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' as const };

async function abortion(promise: Promise<unknown>): Promise<OperationAbortedError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OperationAbortedError);
  return error as OperationAbortedError;
}

describe('retry: the abort error names the retry and carries the reason', () => {
  it('when the signal was aborted before the first attempt', async () => {
    const error = await abortion(retry(failing(), slow, { signal: AbortSignal.abort('shutdown') }));
    expect(error.message).toBe('retry was aborted');
    expect(error.cause).toBe('shutdown');
  });

  it('when it is aborted before a wait starts', async () => {
    const controller = new AbortController();
    const error = await abortion(
      retry(failing(), slow, {
        signal: controller.signal,
        onRetry: () => controller.abort('before the wait'),
      }),
    );
    expect(error.message).toBe('retry was aborted');
    expect(error.cause).toBe('before the wait');
  });

  it('when it is aborted during a wait', async () => {
    const controller = new AbortController();
    const error = await abortion(
      retry(failing(), slow, {
        signal: controller.signal,
        onRetry: () => setTimeout(() => controller.abort('during the wait'), 10),
      }),
    );
    expect(error.message).toBe('retry was aborted');
    expect(error.cause).toBe('during the wait');
  });
});

describe('retry: waits that run their course', () => {
  it('leave no listener on the signal', async () => {
    const controller = new AbortController();
    const fn = jest
      .fn<Promise<number>, []>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValue(2);
    const policy = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5, jitter: 'none' as const };
    await expect(retry(fn, policy, { signal: controller.signal })).resolves.toBe(2);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
