// Plain Node use, no Nest: one coordinator, one sender, and an AgentWorker receiving.
// Run: npx ts-node --transpile-only examples/plain-node.ts   (REDIS_URL or the local Redis)
import Redis from 'ioredis';
import { AgentWorker, MessagePriority, MessageType, RedisMessageCoordinator } from '../lib';

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

  // The worker runs the receive loop: a handler that returns acknowledges its message.
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const agentWorker = new AgentWorker(
    coordinator,
    // `handled` fires once a message is settled, so the stats below see an empty queue.
    { agent: worker, instrumentation: { handled: () => ++settled === 2 && allSettled() } },
    (payload, context) => {
      console.log(
        `received ${JSON.stringify(payload)} from ${context.message.sender.type} (attempts ${context.attempt - 1})`,
      );
    },
  );
  agentWorker.start();
  await done;
  await agentWorker.close();
  console.log(`queue after: ${JSON.stringify(await coordinator.stats(worker))}`);
  await coordinator.close();
  await redis.quit();
}

void main();
