import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, AgentCoordinationModule, OnAgentMessage } from '../../lib/nest';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';
import { BENCH_PREFETCH, coordinatorSystem } from './coordinator.system';

/**
 * Consumers built by the Nest module (`@Agent` + `@OnAgentMessage`, the module's own receive
 * loop); sending goes through the coordinator as in {@link coordinatorSystem}.
 */
async function startNestConsumer(
  redisUrl: string,
  prefix: string,
  concurrency: number,
  handler: (payload: Payload) => void,
  prefetch: number,
): Promise<Consumer> {
  @Agent({
    type: 'bench-consumer',
    consumer: { concurrency, prefetch, receiveWaitMs: 1_000, visibilityTimeoutMs: 30_000 },
  })
  class BenchAgent {
    @OnAgentMessage('event')
    handle(payload: Payload): void {
      handler(payload);
    }
  }

  @Module({
    imports: [AgentCoordinationModule.forRoot({ connection: redisUrl, keyPrefix: prefix })],
    providers: [BenchAgent],
  })
  class BenchModule {}

  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  return { stop: () => app.close() };
}

function nestQueueSystem(name: string, prefetch: number): QueueSystem {
  return {
    name,
    async open(redisUrl, prefix): Promise<BenchQueue> {
      const producer = await coordinatorSystem.open(redisUrl, prefix);
      return {
        send: (payload) => producer.send(payload),
        sendBatch: (payloads) => producer.sendBatch(payloads),
        consume: (concurrency, handler) =>
          startNestConsumer(redisUrl, prefix, concurrency, handler, prefetch),
        close: () => producer.close(),
      };
    },
  };
}

/** The coordinator with the Nest module's consumers (`AgentWorker`s). */
export const nestSystem = nestQueueSystem('nest', 0);

/** The same with the consumers reserving {@link BENCH_PREFETCH} messages ahead. */
export const nestPrefetchSystem = nestQueueSystem('nest-prefetch', BENCH_PREFETCH);
