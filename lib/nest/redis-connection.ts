import Redis from 'ioredis';
import type { RedisClient } from '../common/redis-client';
import type { AgentCoordinationConnection } from './agent-coordination.options';

/** The module's Redis connection and whether the module opened it (and so must close it). */
export interface AgentCoordinationRedis {
  /** The connection every component of the module shares. */
  readonly client: RedisClient;
  /** True when the module created the connection from a URL or options. */
  readonly owned: boolean;
}

/**
 * True for an ioredis `Redis` / `Cluster` instance (or a stand-in with the same surface,
 * such as ioredis-mock), as opposed to a plain options object.
 */
export function isRedisClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.duplicate === 'function' && typeof candidate.quit === 'function';
}

/** Opens the connection described by `connection`, or adopts the instance it is. */
export function openConnection(connection: AgentCoordinationConnection): AgentCoordinationRedis {
  if (isRedisClient(connection)) return { client: connection, owned: false };
  const client =
    typeof connection === 'string' ? new Redis(connection) : new Redis({ ...connection });
  return { client, owned: true };
}

/** Closes the connection when the module opened it; an application's own is left alone. */
export async function closeConnection(redis: AgentCoordinationRedis): Promise<void> {
  if (!redis.owned) return;
  const client = redis.client;
  // QUIT is refused by a connection that has already ended; disconnect() is then a no-op.
  await client.quit().catch(() => client.disconnect());
}
