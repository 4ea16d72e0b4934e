import { setMaxListeners } from 'node:events';
import { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import type { ReceivedMessage } from '../../lib/messaging/models/queue-message';
import type { Payload } from './bench-queue';
import { coordinatorQueueSystem, RECIPIENT, type StartConsumers } from './coordinator.system';

/**
 * N bare loops each doing receive → handler → ackAndReceive, with none of the worker's
 * bookkeeping: what the engine alone does, to set the worker against (`npm run bench:profile`).
 */
const bareLoops: StartConsumers = (coordinator, concurrency, handler) => {
  const abort = new AbortController();
  const signal = abort.signal;
  setMaxListeners(concurrency + 10, signal);
  const options = { waitMs: 1_000, signal };
  const loop = async (): Promise<void> => {
    let delivery: ReceivedMessage | null = null;
    while (!signal.aborted) {
      delivery ??= await coordinator.receive(RECIPIENT, 30_000, options);
      if (!delivery) continue;
      handler(delivery.queueMessage.message.payload as Payload);
      const step = await coordinator.ackAndReceive(RECIPIENT, delivery.token, 30_000, options);
      if (!step.acknowledged) throw new Error(`ack refused for ${delivery.token}`);
      delivery = step.next;
    }
  };
  const loops = Array.from({ length: concurrency }, () =>
    loop().catch((error: unknown) => {
      if (!signal.aborted) throw error;
    }),
  );
  return {
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
};

/** The coordinator consumed by bare loops (no `AgentWorker`). */
export const engineLoopSystem = coordinatorQueueSystem(
  'engine',
  RedisMessageCoordinator,
  bareLoops,
);
