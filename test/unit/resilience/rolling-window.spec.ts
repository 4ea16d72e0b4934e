import {
  RollingWindow,
  WINDOW_BUCKETS,
  bucketLength,
} from '../../../lib/resilience/rolling-window';

describe('bucketLength', () => {
  it('cuts the window into ten buckets, rounding up, never below 1 ms', () => {
    expect(WINDOW_BUCKETS).toBe(10);
    expect(bucketLength(1000)).toBe(100);
    expect(bucketLength(1001)).toBe(101);
    expect(bucketLength(5)).toBe(1);
    expect(bucketLength(0)).toBe(1);
  });
});

describe('RollingWindow', () => {
  it('counts calls and failures within the window', () => {
    const window = new RollingWindow(1000);
    expect(window.add(0, true)).toEqual({ calls: 1, failures: 1 });
    expect(window.add(50, false)).toEqual({ calls: 2, failures: 1 });
    expect(window.add(150, true)).toEqual({ calls: 3, failures: 2 });
    expect(window.add(999, false)).toEqual({ calls: 4, failures: 2 });
  });

  it('forgets a bucket once it is ten buckets old, keeping the nine before the current one', () => {
    const window = new RollingWindow(1000);
    window.add(0, true); // bucket 0
    window.add(100, true); // bucket 1
    // bucket 10 reuses slot 0: bucket 0 is replaced, bucket 1 still counts.
    expect(window.add(1000, false)).toEqual({ calls: 2, failures: 1 });
    // bucket 11: bucket 1 (11 - 10) is out of the window although its slot was not reused.
    expect(window.add(1100, false)).toEqual({ calls: 2, failures: 0 });
  });

  it('does not count a stale bucket whose slot was left untouched', () => {
    const window = new RollingWindow(1000);
    window.add(250, true); // bucket 2
    expect(window.add(5000, false)).toEqual({ calls: 1, failures: 0 });
  });

  it('clear forgets every call', () => {
    const window = new RollingWindow(1000);
    window.add(0, true);
    window.add(10, true);
    window.clear();
    expect(window.add(20, false)).toEqual({ calls: 1, failures: 0 });
  });
});
