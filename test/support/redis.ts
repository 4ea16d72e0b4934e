import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import RedisMock from 'ioredis-mock';
import type { RedisClient } from '../../lib/common/redis-client';
import { useAccurateClock } from '../../lib/testing/mock-clock';

/** `mock` when the suite runs on ioredis-mock, `redis` on the real server. */
export const backend: 'mock' | 'redis' = process.env.REDIS_BACKEND === 'mock' ? 'mock' : 'redis';

/** The real server the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `describe` on the real server only: for cases the fake cannot show (blocking, slots, timing). */
export const describeRealRedis = backend === 'redis' ? describe : describe.skip;
/** `it` on the real server only. */
export const itRealRedis = backend === 'redis' ? it : it.skip;

const opened: RedisClient[] = [];

/** A new connection to the backend under test; closed by {@link closeClients}. */
export function createClient(): Redis {
  const client: Redis =
    backend === 'mock'
      ? useAccurateClock(new RedisMock())
      : new Redis(REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false });
  opened.push(client);
  return client;
}

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `t.${name}.${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (tests only: SCAN is fine here). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Lists the keys under `prefix`. */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** Closes every connection made with {@link createClient}. */
export async function closeClients(): Promise<void> {
  const clients = opened.splice(0);
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(stepMs);
  }
  return predicate();
}
