// A message that keeps failing lands in the dead-letter queue; an operator replays it.
// Run: npx ts-node --transpile-only examples/dead-letter-replay.ts
import Redis from 'ioredis';
import { AgentWorker, MessageType, RedisMessageCoordinator, silentLogger } from '../lib';

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const coordinator = new RedisMessageCoordinator(redis, {
    keyPrefix: process.env.EXAMPLE_PREFIX ?? 'example',
    retryAttempts: 2,
    backoffBaseMs: 10,
    jitter: 'none',
  });
  const sender = { type: 'planner' };
  const worker = { type: 'flaky-worker' };
  await coordinator.sendMessage(sender, worker, {
    messageType: MessageType.EVENT,
    payload: { job: 42 },
  });

  // Every delivery fails (a plain Error retries) until the coordinator dead-letters it.
  let deadLettered!: () => void;
  const dead = new Promise<void>((resolve) => (deadLettered = resolve));
  const flaky = new AgentWorker(
    coordinator,
    {
      agent: worker,
      logger: silentLogger,
      instrumentation: {
        handled: (event) => {
          console.log(`delivery ${event.attempt} failed`);
          if (event.outcome === 'dead-lettered') deadLettered();
        },
      },
    },
    (_payload, context) => {
      throw new Error(`attempt ${context.attempt} failed`);
    },
  );
  flaky.start();
  await dead;
  await flaky.close();
  const [letter] = await coordinator.deadLetters(worker);
  console.log(
    `dead letter: job ${JSON.stringify(letter?.message.payload)} after ${letter?.deliveryAttempts} attempts, last error "${letter?.lastError}"`,
  );

  console.log(`replayed ${await coordinator.replayDeadLetters(worker)}`);
  const again = await coordinator.receive(worker, 1_000);
  console.log(`received again with attempts ${again?.queueMessage.deliveryAttempts}`);
  if (again) await coordinator.ack(worker, again.token);
  await coordinator.close();
  await redis.quit();
}

void main();
