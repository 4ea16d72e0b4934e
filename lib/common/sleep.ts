/**
 * Resolves after `ms`, or early when `signal` fires; never rejects.
 *
 * @param keepAlive whether the timer keeps the process alive: yes for a wait that is work in
 *   progress (a receive), no for pauses of background loops
 */
export function sleep(ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!keepAlive) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
