import type { AgentId } from '../../lib/messaging/models/agent-id';
import type { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import type { Payload } from './bench-queue';

/** Settings of {@link startCoordinatorLoop}. */
export interface LoopOptions {
  visibilityTimeoutMs: number;
  /** How long one receive blocks on Redis before the worker asks again. */
  waitMs: number;
}

/** A running loop: `stop()` aborts the waits and resolves when every worker has ended. */
export interface CoordinatorLoop {
  stop(): Promise<void>;
}

/**
 * The consumer loop of the Nest module, without Nest: `concurrency` workers, each doing
 * receive (blocking up to `waitMs`) → handler → ack, until stopped.
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
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const delivery = await coordinator.receive(agent, options.visibilityTimeoutMs, {
        waitMs: options.waitMs,
        signal,
      });
      if (!delivery) continue;
      handler(delivery.queueMessage.message.payload as Payload);
      await coordinator.ack(agent, delivery.token);
    }
  };
  const workers = Array.from({ length: concurrency }, () =>
    worker().catch((error: unknown) => {
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
