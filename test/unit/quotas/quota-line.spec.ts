import { QuotaLine, type QuotaWaiter } from '../../../lib/quotas/quota-line';
import type { AcquireQuotaReply } from '../../../lib/quotas/quota-scripts';
import { eventually } from '../../support/redis';

describe('QuotaLine', () => {
  it('tells nobody when an attempt fails after its waiter gave up', async () => {
    let failAttempt: (error: Error) => void = () => undefined;
    let left = false;
    const line = new QuotaLine({
      pollIntervalMs: 10,
      attempt: () =>
        new Promise<AcquireQuotaReply>((_resolve, reject) => {
          failAttempt = reject;
        }),
      giveBack: () => undefined,
      leave: () => {
        left = true;
        return Promise.resolve();
      },
    });
    const fail = jest.fn();
    const waiter: QuotaWaiter = { seq: 1, admit: jest.fn(), fail };
    line.add(waiter);
    expect(line.busy).toBe(true);
    expect(line.remove(waiter)).toBe(true);
    failAttempt(new Error('down'));
    expect(await eventually(() => left)).toBe(true);
    expect(fail).not.toHaveBeenCalled();
    expect(await eventually(() => !line.busy)).toBe(true);
  });

  it('serves waiters by arrival number and fails them all on demand', async () => {
    const attempts: number[] = [];
    const line = new QuotaLine({
      pollIntervalMs: 60_000,
      attempt: (waiter) => {
        attempts.push(waiter.seq);
        return Promise.resolve({ code: 2, ms: 0, seq: waiter.seq, head: 'x', now: 1 });
      },
      giveBack: () => undefined,
      leave: () => Promise.resolve(),
    });
    const failed: number[] = [];
    const waiter = (seq: number): QuotaWaiter => ({
      seq,
      admit: () => undefined,
      fail: () => failed.push(seq),
    });
    line.add(waiter(5));
    line.add(waiter(3));
    expect(await eventually(() => attempts.includes(3))).toBe(true);
    line.failAll(new Error('closed'));
    expect(failed).toEqual([3, 5]);
  });
});
