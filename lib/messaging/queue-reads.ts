import type { QueueKeys } from '../common/key-layout';
import type { RedisClient } from '../common/redis-client';
import { decodeDeadLetter } from './message-codec';
import type { ResolvedAgentId } from '../common/agent-id';
import type { QueueMessage, QueueStats } from './models/queue-message';
import { readyKeys } from './queue-scripts';

/*
 * Read-only views of one agent's queue. They change nothing, so plain commands (sent in one
 * pipeline by ioredis) are enough; every key shares the agent's slot.
 */

/** One page of dead letters, oldest first. */
export async function readDeadLetters(
  redis: RedisClient,
  keys: QueueKeys,
  agent: ResolvedAgentId,
  offset: number,
  limit: number,
): Promise<QueueMessage[]> {
  const ids = await redis.zrange(keys.dead, offset, offset + limit - 1);
  if (ids.length === 0) return [];
  const [bodies, attempts, errors] = await Promise.all([
    redis.hmget(keys.bodies, ...ids),
    redis.hmget(keys.attempts, ...ids),
    redis.hmget(keys.errors, ...ids),
  ]);
  return ids.map((id, i) =>
    decodeDeadLetter(
      agent,
      id,
      bodies[i] ?? null,
      Number(attempts[i] ?? 0),
      errors[i] ?? undefined,
    ),
  );
}

/** Counts of the queue's states. */
export async function readStats(redis: RedisClient, keys: QueueKeys): Promise<QueueStats> {
  const [high, normal, low, delayed, reserved, dead] = await Promise.all([
    ...readyKeys(keys).map((key) => redis.llen(key)),
    redis.zcard(keys.delayed),
    redis.zcard(keys.reserved),
    redis.zcard(keys.dead),
  ]);
  return { ready: high + normal + low, delayed, reserved, deadLettered: dead };
}

/** Enqueue time (ms) of the oldest ready message: the heads of the priority lists are the oldest. */
export async function readOldestReadyAt(
  redis: RedisClient,
  keys: QueueKeys,
): Promise<number | null> {
  const heads = await Promise.all(readyKeys(keys).map((key) => redis.lindex(key, 0)));
  const ids = heads.filter((id): id is string => id !== null);
  if (ids.length === 0) return null;
  const stored = await redis.hmget(keys.bodies, ...ids);
  const times = stored
    .map((value) => (value === null ? NaN : Number(/^(\d+):/.exec(value)?.[1])))
    .filter((time) => Number.isFinite(time));
  return times.length === 0 ? null : Math.min(...times);
}
