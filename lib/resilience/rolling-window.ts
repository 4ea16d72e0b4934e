/** Number of buckets a rolling window is cut into (here and in `record-outcome-1.lua`). */
export const WINDOW_BUCKETS = 10;

/** Length of one bucket of a rolling window of `windowMs`. */
export function bucketLength(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / WINDOW_BUCKETS));
}

interface Bucket {
  id: number;
  calls: number;
  failures: number;
}

/**
 * Calls and failures over the last `windowMs`, in {@link WINDOW_BUCKETS} buckets: the
 * in-process twin of the window kept in the breaker's hash, used while Redis is unreachable.
 */
export class RollingWindow {
  private readonly bucketMs: number;
  private readonly buckets: Bucket[] = [];

  constructor(windowMs: number) {
    this.bucketMs = bucketLength(windowMs);
  }

  /** Adds one call at `now` (ms) and returns the window's totals. */
  add(now: number, failed: boolean): { calls: number; failures: number } {
    const id = Math.floor(now / this.bucketMs);
    const slot = id % WINDOW_BUCKETS;
    let bucket = this.buckets[slot];
    if (bucket?.id !== id) {
      bucket = { id, calls: 0, failures: 0 };
      this.buckets[slot] = bucket;
    }
    bucket.calls++;
    if (failed) bucket.failures++;
    let calls = 0;
    let failures = 0;
    for (const b of this.buckets) {
      if (b && b.id > id - WINDOW_BUCKETS) {
        calls += b.calls;
        failures += b.failures;
      }
    }
    return { calls, failures };
  }

  /** Forgets every call. */
  clear(): void {
    this.buckets.length = 0;
  }
}
