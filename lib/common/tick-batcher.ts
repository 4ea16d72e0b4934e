interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the items added during one turn of the event loop and hands them to `run` as one
 * batch on the next tick: concurrent callers share one round trip, and a caller alone waits
 * no more than a tick. Items keep the order they were added in; each caller gets the result at
 * its own position, or the batch's error.
 */
export class TickBatcher<T, R> {
  private waiting: Waiting<T, R>[] = [];

  /** @param run answers a batch with one result per item, in the same order */
  constructor(private readonly run: (items: T[]) => Promise<R[]>) {}

  /** Queues `item` for the next batch; resolves to its result. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      // A tick, not a microtask: it runs once every promise continuation of this turn has run,
      // so callers that resume together (on one socket read) still meet in one batch.
      if (this.waiting.length === 0) process.nextTick(() => this.flush());
      this.waiting.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.run(batch.map((waiting) => waiting.item)).then(
      (results) => batch.forEach((waiting, i) => waiting.resolve(results[i])),
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
  }
}
