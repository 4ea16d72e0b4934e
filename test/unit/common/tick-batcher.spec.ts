import { TickBatcher } from '../../../lib/common/tick-batcher';

describe('TickBatcher', () => {
  it('hands the items added in one turn to run as one batch, in order', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, string>((items) => {
      batches.push(items);
      return Promise.resolve(items.map((n) => `r${n}`));
    });
    const first = await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(first).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
    // Later turns make batches of their own.
    expect(await batcher.add(4)).toBe('r4');
    expect(await Promise.all([batcher.add(5), batcher.add(6)])).toEqual(['r5', 'r6']);
    expect(batches).toEqual([[1, 2, 3], [4], [5, 6]]);
  });

  it('gathers callers that resume in the same turn, after their awaits', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, number>((items) => {
      batches.push(items);
      return Promise.resolve(items);
    });
    // Caller n passes through n promise hops before adding (a microtask flush would split
    // them): still one batch.
    const caller = async (n: number): Promise<number> => {
      for (let hop = 0; hop < n; hop++) await Promise.resolve();
      return batcher.add(n);
    };
    expect(await Promise.all([caller(1), caller(2), caller(3)])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('rejects every caller of a batch whose run fails, and recovers for the next', async () => {
    let fail = true;
    const batcher = new TickBatcher<number, number>((items) =>
      fail ? Promise.reject(new Error('down')) : Promise.resolve(items.map((n) => n * 2)),
    );
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('down') },
      { status: 'rejected', reason: new Error('down') },
    ]);
    fail = false;
    expect(await batcher.add(3)).toBe(6);
  });
});
