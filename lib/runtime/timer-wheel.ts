/**
 * Many deadlines on one timer: the reservation extensions and handler time limits of every
 * delivery a worker holds.
 *
 * Deadlines are grouped in lanes, one per delay and action. Entries join a lane at increasing
 * times with the same delay, so each lane is already in due order: adding, moving or
 * cancelling an entry is one `Map` operation, and the one timer is armed for the earliest
 * head. A deadline cancelled before it falls due (a quick handler's) costs no timer at all.
 * The timer is unref'd: pending deadlines never keep the process alive.
 */
export class TimerWheel {
  private readonly lanes: { fire(now: number): number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (monotonic ms); `Infinity` when it is not armed. */
  private armedFor = Number.POSITIVE_INFINITY;

  /**
   * A new lane: each entry added to it falls due `delayMs` after it was added, and is then
   * handed to `onDue` (once; add it again to repeat).
   */
  lane<T>(delayMs: number, onDue: (entry: T) => void): TimerLane<T> {
    const lane = new TimerLane<T>(this, delayMs, onDue);
    this.lanes.push(lane);
    return lane;
  }

  /** @internal makes sure the timer fires by `at` */
  armFor(at: number): void {
    if (at >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(at - performance.now())));
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const lane of this.lanes) next = Math.min(next, lane.fire(now));
    if (next !== Number.POSITIVE_INFINITY) this.armFor(next);
  };
}

/** Entries of one delay and one action, in due order; see {@link TimerWheel}. */
export class TimerLane<T> {
  private readonly due = new Map<T, number>();

  /** @internal made by {@link TimerWheel.lane} */
  constructor(
    private readonly wheel: TimerWheel,
    /** How long after being added an entry falls due, ms. */
    readonly delayMs: number,
    private readonly onDue: (entry: T) => void,
  ) {}

  /** (Re)schedules `entry` for `delayMs` from now, replacing its earlier deadline in this lane. */
  add(entry: T): void {
    this.due.delete(entry);
    const at = performance.now() + this.delayMs;
    this.due.set(entry, at);
    this.wheel.armFor(at);
  }

  /** Cancels `entry`'s deadline in this lane, if it has one. */
  delete(entry: T): void {
    this.due.delete(entry);
  }

  /** How many entries wait in the lane. */
  get size(): number {
    return this.due.size;
  }

  /** @internal hands every entry due by `now` to `onDue`; the next due time, or `Infinity` */
  fire(now: number): number {
    // Entries re-added by onDue go to the end with a later time, where the walk stops.
    for (const [entry, at] of this.due) {
      if (at > now) return at;
      this.due.delete(entry);
      this.onDue(entry);
    }
    return Number.POSITIVE_INFINITY;
  }
}
