import type Redis from 'ioredis';
import { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import { MessageType } from '../../lib/messaging/models/message.enums';
import { connect } from '../redis-env';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';
import { AgentWorker } from '../../lib/runtime';

const SENDER = { type: 'bench-producer' };
const RECIPIENT = { type: 'bench-consumer' };

function coordinatorOn(redis: Redis, prefix: string): RedisMessageCoordinator {
  // queueSize is raised so that the memory figure can hold more than the default 10 000.
  return new RedisMessageCoordinator(redis, { keyPrefix: prefix, queueSize: 1_000_000 });
}

class CoordinatorQueue implements BenchQueue {
  private readonly producer: RedisMessageCoordinator;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly redis: Redis,
  ) {
    this.producer = coordinatorOn(redis, prefix);
  }

  async send(payload: Payload): Promise<void> {
    const result = await this.producer.sendMessage(SENDER, RECIPIENT, {
      messageType: MessageType.EVENT,
      payload,
    });
    if (!result.delivered) throw new Error(`send failed: ${result.error}`);
  }

  /** One `sendMessages` call: the batch goes to Redis in one pipeline. */
  async sendBatch(payloads: Payload[]): Promise<void> {
    const results = await this.producer.sendMessages(
      SENDER,
      payloads.map((payload) => ({
        recipient: RECIPIENT,
        message: { messageType: MessageType.EVENT, payload },
      })),
    );
    const failed = results.find((result) => !result.delivered);
    if (failed) throw new Error(`send failed: ${failed.error}`);
  }

  consume(concurrency: number, handler: (payload: Payload) => void): Promise<Consumer> {
    const redis = connect(this.redisUrl);
    const coordinator = coordinatorOn(redis, this.prefix);
    const worker = new AgentWorker(
      coordinator,
      { agent: RECIPIENT, concurrency, visibilityTimeoutMs: 30_000, receiveWaitMs: 1_000 },
      (payload) => handler(payload as Payload),
    );
    worker.start();
    return Promise.resolve({
      async stop() {
        await worker.close();
        await coordinator.close();
        await redis.quit();
      },
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
    await this.redis.quit();
  }
}

/** This package: `sendMessage`, and the library's `AgentWorker` consuming. */
export const coordinatorSystem: QueueSystem = {
  name: 'coordinator',
  open(redisUrl, prefix) {
    return Promise.resolve(new CoordinatorQueue(redisUrl, prefix, connect(redisUrl)));
  },
};
