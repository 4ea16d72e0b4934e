import Redis from 'ioredis';
import { connectionMonitor } from '../../common/connection-monitor';
import type { CoordinationLogger } from '../../common/logger';
import type { RedisClient } from '../../common/redis-client';
import { waitForRedis } from '../../common/wait-for-redis';
import type { AgentCoordinationConnection } from './agent-coordination.options';

/**
 * The module's Redis connection and whether the module opened it (and so must close it).
 *
 * @public
 */
export interface AgentCoordinationRedis {
  /** The connection every component of the module shares. */
  readonly client: RedisClient;
  /** True when the module created the connection from a URL or options. */
  readonly owned: boolean;
  /** Removes the module's listeners from the connection (an application's own stays in use). */
  readonly unwatch?: () => void;
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

/**
 * Opens the connection described by `connection`, or adopts the instance it is, listens to
 * its errors (logged once per state) and waits until it is ready. When it is not ready
 * within `connectTimeoutMs`, a connection the module opened is closed; an application's own
 * is left open.
 *
 * @throws RedisConnectionError naming the address
 */
export async function openConnection(
  connection: AgentCoordinationConnection,
  connectTimeoutMs: number,
  logger: CoordinationLogger,
): Promise<AgentCoordinationRedis> {
  const owned = !isRedisClient(connection);
  const client = isRedisClient(connection)
    ? connection
    : typeof connection === 'string'
      ? new Redis(connection)
      : new Redis({ ...connection });
  const unwatch = connectionMonitor(client, logger).watch(client);
  try {
    await waitForRedis(client, connectTimeoutMs);
  } catch (error) {
    unwatch();
    // A second disconnect() of an ended client leaves a timer behind in ioredis.
    if (owned && client.status !== 'end') client.disconnect();
    throw error;
  }
  return { client, owned, unwatch };
}

/** Closes the connection when the module opened it; an application's own is left alone. */
export async function closeConnection(redis: AgentCoordinationRedis): Promise<void> {
  if (!redis.owned) {
    redis.unwatch?.();
    return;
  }
  const client = redis.client;
  // QUIT is refused by a connection that has already ended; disconnect() is then a no-op.
  await client.quit().catch(() => client.disconnect());
}
