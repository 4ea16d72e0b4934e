import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import Redis from 'ioredis';

/** A fresh key prefix for one bench run: every key the run writes starts with it. */
export function freshPrefix(): string {
  return `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A new connection to the bench Redis. */
export function connect(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Deletes every key under `prefix` (SCAN + DEL, never KEYS; DEL frees at once, so a later memory figure is not disturbed by lazy freeing). Returns how many. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Sum of `MEMORY USAGE` over every key under `prefix`, exact (SAMPLES 0). */
export async function keyMemory(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let bytes = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    for (const [error, used] of (await pipeline.exec()) ?? []) {
      if (!error) bytes += Number(used ?? 0);
    }
  } while (cursor !== '0');
  return bytes;
}

/** `used_memory` from INFO memory. */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

/** What the numbers were measured on. */
export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  redis: string;
  bullmq: string;
  date: string;
}

/** Describes this machine and the Redis server. */
export async function describeMachine(redis: Redis): Promise<Machine> {
  const info = await redis.info('server');
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    node: process.version,
    redis: /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown',
    bullmq: (
      JSON.parse(readFileSync(require.resolve('bullmq/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
    date: new Date().toISOString(),
  };
}
