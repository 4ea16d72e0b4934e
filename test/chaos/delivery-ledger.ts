import type { ReceivedMessage } from '../../lib/messaging';

interface Delivery {
  token: string;
  /** Reservation start and deadline, on the Redis clock (ms). */
  start: number;
  deadline: number;
  acked: boolean;
}

/**
 * What a chaos test saw: every delivery of every message, which acks Redis confirmed, and
 * which ids were processed. From it come the figures the tests assert and report: lost
 * messages, deliveries that overlapped a live reservation, and messages acknowledged twice.
 */
export class DeliveryLedger {
  private readonly deliveries = new Map<string, Delivery[]>();
  /** Ids whose ack returned true. */
  readonly acked = new Set<string>();
  /** Ids whose handler ran to completion at least once. */
  readonly processed = new Set<string>();
  /** Deliveries of a message after an ack of it had returned true. */
  resurrected = 0;
  /** Acks that returned true for a message already acknowledged. */
  doubleAcks = 0;

  /** Records a delivery; `visibilityMs` is the timeout it was received with. */
  delivered(delivery: ReceivedMessage, visibilityMs: number): string {
    const id = delivery.queueMessage.message.messageId;
    const deadline = Date.parse(delivery.visibilityDeadline);
    if (this.acked.has(id)) this.resurrected++;
    const list = this.deliveries.get(id) ?? [];
    list.push({ token: delivery.token, start: deadline - visibilityMs, deadline, acked: false });
    this.deliveries.set(id, list);
    return id;
  }

  /** Records a delivery reported by another process. */
  deliveredElsewhere(id: string, token: string, deadline: number, visibilityMs: number): void {
    const list = this.deliveries.get(id) ?? [];
    list.push({ token, start: deadline - visibilityMs, deadline, acked: false });
    this.deliveries.set(id, list);
  }

  /** Records that an ack of `token` returned true. */
  ackConfirmed(id: string, token: string): void {
    if (this.acked.has(id)) this.doubleAcks++;
    this.acked.add(id);
    const delivery = this.deliveries.get(id)?.find((d) => d.token === token);
    if (delivery) delivery.acked = true;
  }

  /** How many times `id` was delivered. */
  deliveryCount(id: string): number {
    return this.deliveries.get(id)?.length ?? 0;
  }

  /** Total deliveries. */
  get totalDeliveries(): number {
    let total = 0;
    for (const list of this.deliveries.values()) total += list.length;
    return total;
  }

  /**
   * Deliveries that began while an earlier, unacknowledged reservation of the same message was
   * still live: two receivers holding one message at once. Must be 0.
   */
  overlapping(): number {
    let overlaps = 0;
    for (const list of this.deliveries.values()) {
      const sorted = [...list].sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++) {
        const earlier = sorted.slice(0, i).filter((d) => !d.acked);
        if (earlier.some((d) => sorted[i].start < d.deadline)) overlaps++;
      }
    }
    return overlaps;
  }

  /** Ids of `sent` neither acknowledged nor processed: lost. Must be empty. */
  lost(sent: Iterable<string>): string[] {
    return [...sent].filter((id) => !this.acked.has(id) && !this.processed.has(id));
  }
}

/** Records unhandled rejections while installed; {@link stop} removes the listener. */
export class RejectionRecorder {
  readonly reasons: unknown[] = [];
  private readonly listener = (reason: unknown): void => {
    this.reasons.push(reason);
  };

  constructor() {
    process.on('unhandledRejection', this.listener);
  }

  stop(): void {
    process.off('unhandledRejection', this.listener);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
