import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agent, AgentCoordinationModule, OnAgentMessage } from '../../lib/nest';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';
import { coordinatorSystem } from './coordinator.system';

/**
 * Consumers built by the Nest module (`@Agent` + `@OnAgentMessage`, the module's own receive
 * loop); sending goes through the coordinator as in {@link coordinatorSystem}.
 */
async function startNestConsumer(
  redisUrl: string,
  prefix: string,
  concurrency: number,
  handler: (payload: Payload) => void,
): Promise<Consumer> {
  @Agent({
    type: 'bench-consumer',
    consumer: { concurrency, receiveWaitMs: 1_000, visibilityTimeoutMs: 30_000 },
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

/** The coordinator with the Nest module's consumer loop. */
export const nestSystem: QueueSystem = {
  name: 'nest',
  async open(redisUrl, prefix): Promise<BenchQueue> {
    const producer = await coordinatorSystem.open(redisUrl, prefix);
    return {
      send: (payload) => producer.send(payload),
      sendBatch: (payloads) => producer.sendBatch(payloads),
      consume: (concurrency, handler) => startNestConsumer(redisUrl, prefix, concurrency, handler),
      close: () => producer.close(),
    };
  },
};
