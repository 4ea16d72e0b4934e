import type { QuotaLimitReason } from '../errors';
import { AcquireQuotaResult, REFUSAL_REASONS, type AcquireQuotaReply } from './quota-scripts';

/** One request of this process waiting for a quota. */
export interface QuotaWaiter {
  /** Arrival number, from the quota's counter in Redis: orders waiters of every process. */
  seq: number;
  /** Admitted: hands the reply over. */
  admit(reply: AcquireQuotaReply): void;
  /** Gives up (timeout, abort, close, Redis failure). */
  fail(error: Error): void;
}

/** What a line needs from its registry. */
export interface QuotaLinePort {
  /** Runs `acquire-quota` for the head waiter, its seat standing for `seq` and then `nextSeq`. */
  attempt(waiter: QuotaWaiter, nextSeq: number): Promise<AcquireQuotaReply>;
  /** Gives back a lease admitted for a waiter that had already given up. */
  giveBack(reply: AcquireQuotaReply, waiter: QuotaWaiter): void;
  /** Takes the seat out of line and tells the new head; never rejects. */
  leave(): Promise<void>;
  /** Longest to sleep between attempts. */
  readonly pollIntervalMs: number;
}

/**
 * The waiters of one quota in this process, in arrival order. Only the oldest asks Redis, so
 * a process makes one call per wake-up however many of its requests wait; its seat in the
 * shared line stands for that oldest waiter's arrival number.
 */
export class QuotaLine {
  /** Why the last attempt was refused, and when trying again may succeed. */
  last: { reason: QuotaLimitReason; retryAfterMs: number } = { reason: 'queue', retryAfterMs: 0 };

  private readonly waiters: QuotaWaiter[] = [];
  private pumping = false;
  private seated = false;
  private wakeUp: (() => void) | null = null;

  constructor(private readonly port: QuotaLinePort) {}

  /** Whether requests of this process wait (a new one must queue behind them). */
  get busy(): boolean {
    return this.pumping || this.waiters.length > 0;
  }

  /** Queues a waiter whose seat the refusing `acquire-quota` call already placed in line. */
  add(waiter: QuotaWaiter): void {
    let at = this.waiters.length;
    while (at > 0 && this.waiters[at - 1].seq > waiter.seq) at--;
    this.waiters.splice(at, 0, waiter);
    this.seated = true;
    if (this.pumping) this.wake();
    else void this.pump();
  }

  /** Takes a waiter out (it gave up); returns whether it was still waiting. */
  remove(waiter: QuotaWaiter): boolean {
    const at = this.waiters.indexOf(waiter);
    if (at < 0) return false;
    this.waiters.splice(at, 1);
    this.wake();
    return true;
  }

  /** Fails every waiter. */
  failAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.fail(error);
    this.wake();
  }

  /** Makes the head waiter try again now (capacity may have come free). */
  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = null;
    wakeUp?.();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    do {
      while (this.waiters.length > 0) await this.serveHead();
      // Waiters that queue while the seat leaves are served in the next round.
      if (this.seated) {
        this.seated = false;
        await this.port.leave();
      }
    } while (this.waiters.length > 0);
    this.pumping = false;
  }

  /** One attempt for the oldest waiter; sleeps after a refusal. */
  private async serveHead(): Promise<void> {
    const head = this.waiters[0];
    const next = this.waiters[1]?.seq ?? 0;
    let reply: AcquireQuotaReply;
    try {
      reply = await this.port.attempt(head, next);
    } catch (error) {
      if (this.remove(head)) head.fail(error as Error);
      return;
    }
    if (reply.code === AcquireQuotaResult.ADMITTED) {
      this.seated = next > 0;
      if (this.remove(head)) head.admit(reply);
      else this.port.giveBack(reply, head);
      return;
    }
    this.seated = true;
    this.last = { reason: REFUSAL_REASONS[reply.code], retryAfterMs: reply.ms };
    if (this.waiters[0] === head) await this.sleep(reply.ms);
  }

  /** Sleeps until `ms` (or the poll interval, whichever is first) or a wake-up. */
  private sleep(ms: number): Promise<void> {
    const wait = ms > 0 ? Math.min(ms, this.port.pollIntervalMs) : this.port.pollIntervalMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), wait);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
