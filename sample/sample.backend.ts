import Redis from 'ioredis';
import type { RedisClient } from '../lib';
import { createMockRedis } from '../lib/testing';

/** The Redis the sample runs on, and a line saying which. */
export interface SampleBackend {
  redis: RedisClient;
  description: string;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 1_000;

/** `REDIS_URL` or the local Redis when one answers; otherwise the in-process fake. */
export async function chooseBackend(): Promise<SampleBackend> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
    return {
      redis,
      description: `Backend: Redis at ${url}`,
      close: async () => void (await redis.quit()),
    };
  } catch (error) {
    redis.disconnect();
    const mock = createMockRedis();
    return {
      redis: mock,
      description: `Backend: in-process fake Redis (ioredis-mock), because no Redis answered at ${url} (${(lastError ?? (error as Error)).message})`,
      close: async () => void (await mock.quit()),
    };
  }
}

/** Deletes the sample's keys so repeated runs leave nothing behind. */
export async function deleteSampleKeys(redis: RedisClient, keyPrefix: string): Promise<void> {
  if (
    !('scan' in redis) ||
    typeof (redis as Redis).scan !== 'function' ||
    redis.constructor.name === 'Cluster'
  )
    return;
  let cursor = '0';
  do {
    const [next, keys] = await (redis as Redis).scan(
      cursor,
      'MATCH',
      `${keyPrefix}:*`,
      'COUNT',
      500,
    );
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
