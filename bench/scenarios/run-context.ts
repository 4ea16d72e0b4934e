import type Redis from 'ioredis';
import type { BenchConfig } from '../bench.config';
import { deleteKeys, freshPrefix } from '../redis-env';
import type { BenchQueue, QueueSystem } from '../systems';

/** What every scenario gets: the configuration and an admin connection for checks and cleanup. */
export interface RunContext {
  config: BenchConfig;
  admin: Redis;
}

/** Opens a queue of `system` under a fresh prefix, runs `body`, then deletes every key it left. */
export async function withFreshQueue<T>(
  context: RunContext,
  system: QueueSystem,
  body: (queue: BenchQueue, prefix: string) => Promise<T>,
): Promise<T> {
  const prefix = freshPrefix();
  const queue = await system.open(context.config.redisUrl, prefix);
  try {
    return await body(queue, prefix);
  } finally {
    await queue.close();
    await deleteKeys(context.admin, prefix);
  }
}
