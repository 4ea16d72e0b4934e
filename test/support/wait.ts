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
 * Starts `receive` on `coordinator`, waits until it is really waiting for a message (its wake
 * waiter was entered `waits` times: once per concurrent receive on a blocking client; a
 * polling one, ioredis-mock, enters it on every poll), then runs `meanwhile`
 * (typically the send that should wake it) and returns what the receive gave. Rejects if the
 * receive never started waiting within `timeoutMs`.
 */
export async function whileWaiting<T>(
  coordinator: object,
  receive: () => Promise<T>,
  meanwhile: () => unknown,
  { waits = 1, timeoutMs = 5000 }: { waits?: number; timeoutMs?: number } = {},
): Promise<T> {
  const spy = jest.spyOn((coordinator as unknown as Waiting).waiter, 'wait');
  try {
    const pending = receive();
    // Settled or not, the receive's own outcome is what the caller awaits below.
    pending.catch(() => undefined);
    await waitFor(
      'the receive to wait',
      () => (spy.mock.calls.length >= waits ? true : undefined),
      timeoutMs,
    );
    await meanwhile();
    return await pending;
  } finally {
    spy.mockRestore();
  }
}

/** The server's clock in ms, as the scripts read it (TIME). */
export async function serverNow(client: { time(): Promise<(number | string)[]> }): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Waits until the server's clock is past `epochMs` (a deadline the scripts compare with that
 * clock), so a test lets a deadline pass by the clock that decides it, not by a local sleep.
 */
export async function untilServerTimePasses(
  client: { time(): Promise<(number | string)[]> },
  epochMs: number,
  timeoutMs = 5000,
): Promise<void> {
  await waitFor(
    `the server clock to pass ${new Date(epochMs).toISOString()}`,
    async () => ((await serverNow(client)) > epochMs ? true : undefined),
    timeoutMs,
    5,
  );
}
