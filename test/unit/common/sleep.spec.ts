import { getEventListeners } from 'node:events';
import { sleep as abortableSleep } from '../../../lib/common/sleep';

/** Timers that keep the process alive (unref'd ones are not listed). */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sleep', () => {
  it('resolves after the time, or at once when aborted', async () => {
    let started = Date.now();
    await abortableSleep(40);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);

    const controller = new AbortController();
    started = Date.now();
    const pending = abortableSleep(5_000, controller.signal);
    controller.abort();
    await pending;
    expect(Date.now() - started).toBeLessThan(1_000);

    started = Date.now();
    await abortableSleep(5_000, AbortSignal.abort());
    // Not the 5 s (generous bound: loaded CI).
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps the process alive only when asked to, and not past an abort', async () => {
    const controller = new AbortController();
    const before = liveTimers();
    const pause = abortableSleep(10_000, controller.signal);
    expect(liveTimers()).toBe(before);
    const work = abortableSleep(10_000, controller.signal, true);
    expect(liveTimers()).toBe(before + 1);
    controller.abort();
    await Promise.all([pause, work]);
    // Other timers of the process may have ended meanwhile; these two must not be left.
    expect(liveTimers()).toBeLessThanOrEqual(before);
  });

  it('leaves no listener on the signal once the time has passed', async () => {
    const controller = new AbortController();
    const pending = abortableSleep(10, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await pending;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
