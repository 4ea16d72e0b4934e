import type Redis from 'ioredis';
import { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import { MessageType } from '../../lib/messaging/models/message.enums';
import { AgentWorker } from '../../lib/runtime';
import { connect } from '../redis-env';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';

const SENDER = { type: 'bench-producer' };
/** The agent every bench queue sends to. */
export const RECIPIENT = { type: 'bench-consumer' };

/** What the bench uses of a coordinator class: this package's, or a baseline build's. */
export type CoordinatorClass = new (
  redis: Redis,
  options: { keyPrefix: string; queueSize: number },
) => RedisMessageCoordinator;

/** Starts `concurrency` consumers of {@link RECIPIENT} on `coordinator`, calling `handler`. */
export type StartConsumers = (
  coordinator: RedisMessageCoordinator,
  concurrency: number,
  handler: (payload: Payload) => void,
) => { stop(): Promise<void> };

class CoordinatorQueue implements BenchQueue {
  private readonly producer: RedisMessageCoordinator;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly redis: Redis,
    private readonly Coordinator: CoordinatorClass,
    private readonly startConsumers: StartConsumers,
  ) {
    this.producer = this.coordinatorOn(redis);
  }

  private coordinatorOn(redis: Redis): RedisMessageCoordinator {
    // queueSize is raised so that the memory figure can hold more than the default 10 000.
    return new this.Coordinator(redis, { keyPrefix: this.prefix, queueSize: 1_000_000 });
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
    const coordinator = this.coordinatorOn(redis);
    const consumers = this.startConsumers(coordinator, concurrency, handler);
    return Promise.resolve({
      async stop() {
        await consumers.stop();
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

/**
 * A system of `sendMessage` on `Coordinator` and the consumers `startConsumers` makes, each
 * consumer side on a connection of its own.
 */
export function coordinatorQueueSystem(
  name: string,
  Coordinator: CoordinatorClass,
  startConsumers: StartConsumers,
): QueueSystem {
  return {
    name,
    open(redisUrl, prefix) {
      return Promise.resolve(
        new CoordinatorQueue(redisUrl, prefix, connect(redisUrl), Coordinator, startConsumers),
      );
    },
  };
}

/** Consumers as the library runs them: one `AgentWorker` of concurrency N. */
function workerConsumers(prefetch: number): StartConsumers {
  return (coordinator, concurrency, handler) => {
    const worker = new AgentWorker(
      coordinator,
      {
        agent: RECIPIENT,
        concurrency,
        prefetch,
        visibilityTimeoutMs: 30_000,
        receiveWaitMs: 1_000,
      },
      (payload) => handler(payload as Payload),
    );
    worker.start();
    return { stop: async () => void (await worker.close()) };
  };
}

/** Messages the prefetching worker of {@link coordinatorPrefetchSystem} reserves ahead. */
export const BENCH_PREFETCH = 10;

/** This package: `sendMessage`, and the library's `AgentWorker` consuming. */
export const coordinatorSystem = coordinatorQueueSystem(
  'coordinator',
  RedisMessageCoordinator,
  workerConsumers(0),
);

/** The same with the worker reserving {@link BENCH_PREFETCH} messages ahead (`prefetch`). */
export const coordinatorPrefetchSystem = coordinatorQueueSystem(
  'coordinator-prefetch',
  RedisMessageCoordinator,
  workerConsumers(BENCH_PREFETCH),
);
