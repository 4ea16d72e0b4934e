/**
 * Waiting on a condition with a deadline instead of sleeping a fixed time: the wait ends as
 * soon as the thing happens, and only a real failure takes the whole (generous) deadline.
 */

/**
 * Calls `produce` every `stepMs` until it gives something other than `undefined` and returns
 * that; rejects naming `what` if nothing came within `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  produce: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  stepMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await produce();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** The part of a coordinator a receive waits in (its private wake waiter). */
interface Waiting {
  waiter: { wait: (...args: never[]) => Promise<void> };
}

/**
 * Starts `receive` on `coordinator`, waits until that receive is really waiting for a message
 * (its wake waiter was entered), then runs `meanwhile` (typically the send that should wake
 * it) and returns what the receive gave. Rejects if the receive never started waiting.
 */
export async function whileWaiting<T>(
  coordinator: object,
  receive: () => Promise<T>,
  meanwhile: () => Promise<unknown>,
  timeoutMs = 5000,
): Promise<T> {
  const spy = jest.spyOn((coordinator as unknown as Waiting).waiter, 'wait');
  try {
    const pending = receive();
    // Settled or not, the receive's own outcome is what the caller awaits below.
    pending.catch(() => undefined);
    await waitFor(
      'the receive to wait',
      () => (spy.mock.calls.length > 0 ? true : undefined),
      timeoutMs,
    );
    await meanwhile();
    return await pending;
  } finally {
    spy.mockRestore();
  }
}
