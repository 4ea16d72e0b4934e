// A message that keeps failing lands in the dead-letter queue; an operator replays it.
// Run: npx ts-node --transpile-only examples/dead-letter-replay.ts
import Redis from 'ioredis';
import { FailureType, MessageType, RedisMessageCoordinator } from '../lib';

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

  // Fail every delivery until the message is dead-lettered.
  for (let attempt = 1; ; attempt++) {
    const delivery = await coordinator.receive(worker, 1_000, { waitMs: 500 });
    if (!delivery) break;
    await coordinator.nack(
      worker,
      delivery.token,
      FailureType.TRANSIENT,
      `attempt ${attempt} failed`,
    );
    console.log(`delivery ${attempt} failed`);
  }
  const [dead] = await coordinator.deadLetters(worker);
  console.log(
    `dead letter: job ${JSON.stringify(dead?.message.payload)} after ${dead?.deliveryAttempts} attempts, last error "${dead?.lastError}"`,
  );

  console.log(`replayed ${await coordinator.replayDeadLetters(worker)}`);
  const again = await coordinator.receive(worker, 1_000);
  console.log(`received again with attempts ${again?.queueMessage.deliveryAttempts}`);
  if (again) await coordinator.ack(worker, again.token);
  await coordinator.close();
  await redis.quit();
}

void main();
