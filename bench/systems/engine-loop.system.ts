import { setMaxListeners } from 'node:events';
import { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import type { ReceivedMessage } from '../../lib/messaging/models/queue-message';
import { connect } from '../redis-env';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';
import { coordinatorSystem } from './coordinator.system';

const RECIPIENT = { type: 'bench-consumer' };

/**
 * The engine without the runtime: N bare loops each doing receive → handler → ackAndReceive,
 * with none of the worker's bookkeeping. It shows what the worker adds.
 */
function startEngineLoop(
  redisUrl: string,
  prefix: string,
  concurrency: number,
  handler: (payload: Payload) => void,
): Consumer {
  const redis = connect(redisUrl);
  const coordinator = new RedisMessageCoordinator(redis, { keyPrefix: prefix });
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
      await coordinator.close();
      await redis.quit();
    },
  };
}

/** The coordinator consumed by bare loops (no `AgentWorker`). */
export const engineLoopSystem: QueueSystem = {
  name: 'engine',
  async open(redisUrl, prefix): Promise<BenchQueue> {
    const producer = await coordinatorSystem.open(redisUrl, prefix);
    return {
      send: (payload) => producer.send(payload),
      sendBatch: (payloads) => producer.sendBatch(payloads),
      consume: (concurrency, handler) =>
        Promise.resolve(startEngineLoop(redisUrl, prefix, concurrency, handler)),
      close: () => producer.close(),
    };
  },
};
