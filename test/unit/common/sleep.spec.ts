import { sleep as abortableSleep } from '../../../lib/common/sleep';

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
    expect(Date.now() - started).toBeLessThan(100);
  });
});
