import type { MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId } from '../common/agent-id';
import type { ReceivedMessage } from '../messaging/models/queue-message';
import type { ResolvedWorkerOptions } from './agent-worker.options';
import { describeError } from './error-classification';
import { extendIntervalOf } from './handler-run';
import type { TimerLane, TimerWheel } from './timer-wheel';

/** A prefetched delivery and when it arrived (monotonic ms). */
interface Waiting {
  readonly delivery: ReceivedMessage;
  readonly since: number;
  extending: boolean;
}

/** A delivery taken from the buffer, with how long it waited there. */
export interface Prefetched {
  delivery: ReceivedMessage;
  heldMs: number;
}

/**
 * Deliveries a worker reserved ahead of its handlers (its `prefetch` option), oldest first.
 *
 * A message waiting here is still reserved to this worker, so it is kept reserved the way a
 * running handler's is: extended every third of the visibility timeout, on the worker's timer
 * wheel. One whose reservation was lost meanwhile is dropped, never started. When the worker
 * stops, {@link release} gives every waiting message back to the front of the queue without
 * counting a delivery attempt.
 */
export class PrefetchBuffer {
  private readonly waiting: Waiting[] = [];
  private readonly extensions: TimerLane<Waiting>;
  /** Messages asked for to fill the buffer that have not arrived yet. */
  private requested = 0;

  constructor(
    private readonly coordinator: MessageCoordinator,
    private readonly options: ResolvedWorkerOptions,
    wheel: TimerWheel,
  ) {
    this.extensions = wheel.lane(extendIntervalOf(options.visibilityTimeoutMs), (entry) =>
      this.extend(entry),
    );
  }

  /**
   * How many more messages to reserve so that the running handlers and the buffer hold
   * `concurrency + prefetch`, counting those asked for already.
   */
  wanted(running: number): number {
    const { concurrency, prefetch } = this.options;
    return Math.max(0, concurrency + prefetch - running - this.waiting.length - this.requested);
  }

  /**
   * Counts `count` messages as asked for while `request` runs (so that concurrent requests do
   * not ask for them twice), then adds what it brought.
   */
  async fill<T>(count: number, request: () => Promise<T>): Promise<T> {
    this.requested += count;
    try {
      return await request();
    } finally {
      this.requested -= count;
    }
  }

  /** Adds deliveries, in the order they were reserved. */
  push(deliveries: readonly ReceivedMessage[]): void {
    const since = performance.now();
    for (const delivery of deliveries) {
      const entry: Waiting = { delivery, since, extending: false };
      this.waiting.push(entry);
      this.extensions.add(entry);
    }
  }

  /** The oldest waiting delivery, or `undefined`. */
  take(): Prefetched | undefined {
    const entry = this.waiting.shift();
    if (!entry) return undefined;
    this.extensions.delete(entry);
    return { delivery: entry.delivery, heldMs: performance.now() - entry.since };
  }

  /**
   * Gives `deliveries` (all waiting ones when absent) back to the queue; a failure leaves them
   * reserved, to be recovered once their reservations lapse.
   */
  async release(deliveries?: readonly ReceivedMessage[]): Promise<void> {
    let giving = deliveries;
    if (!giving) {
      giving = this.waiting.map((entry) => entry.delivery);
      for (const entry of this.waiting.splice(0)) this.extensions.delete(entry);
    }
    if (giving.length === 0) return;
    const { agent, logger } = this.options;
    try {
      await this.coordinator.release(
        agent,
        giving.map((delivery) => delivery.token),
      );
    } catch (error) {
      logger.warn(
        `${formatAgentId(agent)}: releasing ${giving.length} prefetched message(s) failed: ${describeError(error)}; they will be recovered`,
      );
    }
  }

  /** Keeps a waiting delivery reserved; drops it when its reservation was lost. */
  private extend(entry: Waiting): void {
    this.extensions.add(entry);
    if (entry.extending) return;
    entry.extending = true;
    const { agent, visibilityTimeoutMs, logger } = this.options;
    const { token, queueMessage } = entry.delivery;
    this.coordinator
      .extend(agent, token, visibilityTimeoutMs)
      .then((kept) => {
        if (kept) return;
        const at = this.waiting.indexOf(entry);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        this.extensions.delete(entry);
        logger.warn(
          `${formatAgentId(agent)}: prefetched message ${queueMessage.message.messageId} lost its reservation while it waited; not started`,
        );
      })
      .catch((error: unknown) =>
        logger.warn(
          `extend of prefetched ${queueMessage.message.messageId} failed: ${describeError(error)}`,
        ),
      )
      .finally(() => (entry.extending = false));
  }
}
