// Plain Node use, no Nest: one coordinator, one sender, one receiver.
// Run: npx ts-node --transpile-only examples/plain-node.ts   (REDIS_URL or the local Redis)
import Redis from 'ioredis';
import { MessagePriority, MessageType, RedisMessageCoordinator } from '../lib';

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = process.env.EXAMPLE_PREFIX ?? 'example';
  const coordinator = new RedisMessageCoordinator(redis, { keyPrefix });
  const planner = { type: 'planner' };
  const worker = { type: 'worker', instance: 'w1' };

  await coordinator.sendMessage(planner, worker, {
    messageType: MessageType.EVENT,
    payload: { step: 'low' },
    priority: MessagePriority.LOW,
  });
  await coordinator.sendMessage(planner, worker, {
    messageType: MessageType.EVENT,
    payload: { step: 'high' },
    priority: MessagePriority.HIGH,
  });

  for (;;) {
    const delivery = await coordinator.receive(worker, 5_000, { waitMs: 100 });
    if (!delivery) break;
    const { message, deliveryAttempts } = delivery.queueMessage;
    console.log(
      `received ${JSON.stringify(message.payload)} from ${message.sender.type} (attempts ${deliveryAttempts})`,
    );
    await coordinator.ack(worker, delivery.token);
  }
  console.log(`queue after: ${JSON.stringify(await coordinator.stats(worker))}`);
  await coordinator.close();
  await redis.quit();
}

void main();
