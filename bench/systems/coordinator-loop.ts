import { setMaxListeners } from 'node:events';
import type { AgentId } from '../../lib/messaging/models/agent-id';
import type { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import type { ReceivedMessage } from '../../lib/messaging/models/queue-message';
import type { Payload } from './bench-queue';

/** Settings of {@link startCoordinatorLoop}. */
export interface LoopOptions {
  visibilityTimeoutMs: number;
  /** How long one receive blocks on Redis before the worker asks again. */
  waitMs: number;
  /**
   * Acknowledge with `ackAndReceive` (one round trip per message while messages are ready)
   * instead of `ack` then `receive` (two).
   */
  ackAndReceive: boolean;
  /**
   * Reserve and acknowledge this many messages per round trip (`receiveMany`, then
   * `ackAndReceiveMany` after handling them one at a time) instead of one.
   */
  batch?: number;
}

/** A running loop: `stop()` aborts the waits and resolves when every worker has ended. */
export interface CoordinatorLoop {
  stop(): Promise<void>;
}

/**
 * A consumer loop like the Nest module's, without Nest: `concurrency` workers, each doing
 * receive (blocking up to `waitMs`) → handler → ack, until stopped; with `batch`, each worker
 * handles the messages of a batch one at a time and settles the batch in one round trip.
 */
export function startCoordinatorLoop(
  coordinator: RedisMessageCoordinator,
  agent: AgentId,
  concurrency: number,
  handler: (payload: Payload) => void,
  options: LoopOptions,
): CoordinatorLoop {
  const abort = new AbortController();
  const signal = abort.signal;
  setMaxListeners(concurrency + 10, signal); // every waiting worker listens to it
  const receiveOptions = { waitMs: options.waitMs, signal };
  const worker = async (): Promise<void> => {
    let delivery: ReceivedMessage | null = null;
    while (!signal.aborted) {
      delivery ??= await coordinator.receive(agent, options.visibilityTimeoutMs, receiveOptions);
      if (!delivery) continue;
      handler(delivery.queueMessage.message.payload as Payload);
      if (options.ackAndReceive) {
        const step = await coordinator.ackAndReceive(
          agent,
          delivery.token,
          options.visibilityTimeoutMs,
          receiveOptions,
        );
        if (!step.acknowledged) throw new Error(`ack refused for ${delivery.token}`);
        delivery = step.next;
      } else {
        if (!(await coordinator.ack(agent, delivery.token)))
          throw new Error(`ack refused for ${delivery.token}`);
        delivery = null;
      }
    }
  };
  const batchWorker = async (batch: number): Promise<void> => {
    let deliveries: ReceivedMessage[] = [];
    while (!signal.aborted) {
      if (deliveries.length === 0) {
        deliveries = await coordinator.receiveMany(
          agent,
          batch,
          options.visibilityTimeoutMs,
          receiveOptions,
        );
        continue;
      }
      for (const delivery of deliveries) handler(delivery.queueMessage.message.payload as Payload);
      const step = await coordinator.ackAndReceiveMany(
        agent,
        deliveries.map((delivery) => delivery.token),
        batch,
        options.visibilityTimeoutMs,
        receiveOptions,
      );
      if (!step.acknowledged.every(Boolean)) throw new Error('ack refused in a batch');
      deliveries = step.next;
    }
  };
  const run = options.batch ? () => batchWorker(options.batch!) : worker;
  const workers = Array.from({ length: concurrency }, () =>
    run().catch((error: unknown) => {
      if (!signal.aborted) throw error;
    }),
  );
  return {
    async stop() {
      abort.abort();
      await Promise.all(workers);
    },
  };
}
