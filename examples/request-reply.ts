// Request/reply between two agents over their queues; the responder is an AgentWorker.
// Run: npx ts-node --transpile-only examples/request-reply.ts
import Redis from 'ioredis';
import { AgentWorker, MessageType, RedisMessageCoordinator, isRequestTimeoutError } from '../lib';

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const coordinator = new RedisMessageCoordinator(redis, {
    keyPrefix: process.env.EXAMPLE_PREFIX ?? 'example',
  });
  const asker = { type: 'planner' };
  const calculator = { type: 'calculator' };

  // The responder: what its handler returns is sent back as the RESPONSE.
  const responder = new AgentWorker(coordinator, { agent: calculator }, (payload) => {
    const { a, b } = payload as { a: number; b: number };
    return { sum: a + b };
  });
  responder.start();

  const response = await coordinator.request(
    asker,
    calculator,
    { messageType: MessageType.REQUEST, payload: { a: 2, b: 3 } },
    { timeoutMs: 2_000 },
  );
  console.log(
    `response ${JSON.stringify(response.payload)} correlation ${response.correlationId === undefined ? 'missing' : 'matched'}`,
  );
  await responder.close();

  try {
    await coordinator.request(
      asker,
      { type: 'nobody' },
      { messageType: MessageType.REQUEST, payload: {} },
      { timeoutMs: 200 },
    );
  } catch (error) {
    console.log(
      `unanswered request: ${isRequestTimeoutError(error) ? 'timed out' : String(error)}`,
    );
  }
  await coordinator.close();
  await redis.quit();
}

void main();
