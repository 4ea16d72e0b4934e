import type { CoordinationLogger } from './logger';
import { describeRedisAddress } from './redis-address';
import type { RedisClient } from './redis-client';

/**
 * Listens to `error` and `ready` on every connection the package opens from one client, so
 * ioredis never prints "Unhandled error event", and logs each change of state once: one
 * line when Redis stops answering, one when it answers again — never one per reconnect
 * attempt, and one for all the connections duplicated from the same client.
 */
export class ConnectionMonitor {
  private down = false;

  constructor(
    private readonly logger: CoordinationLogger,
    /** Where the connections go, as {@link describeRedisAddress} says it. */
    readonly address: string,
  ) {}

  /** Starts listening on `connection`; returns the function that stops it. */
  watch(connection: RedisClient): () => void {
    const onError = (error: Error): void => this.lost(error);
    const onReady = (): void => this.restored();
    connection.on('error', onError);
    connection.on('ready', onReady);
    return () => {
      connection.off('error', onError);
      connection.off('ready', onReady);
    };
  }

  private lost(error: Error): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(`waiting for Redis at ${this.address}: ${error.message}`);
  }

  private restored(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`Redis connection restored (${this.address})`);
  }
}

const monitors = new WeakMap<RedisClient, WeakMap<CoordinationLogger, ConnectionMonitor>>();

/**
 * The monitor shared by `client` and the connections duplicated from it, per logger: the
 * coordinator, registry and breakers of one Nest module log one line per state together.
 */
export function connectionMonitor(
  client: RedisClient,
  logger: CoordinationLogger,
): ConnectionMonitor {
  let byLogger = monitors.get(client);
  if (!byLogger) {
    byLogger = new WeakMap();
    monitors.set(client, byLogger);
  }
  let monitor = byLogger.get(logger);
  if (!monitor) {
    monitor = new ConnectionMonitor(logger, describeRedisAddress(client));
    byLogger.set(logger, monitor);
  }
  return monitor;
}

/**
 * `client.duplicate()` with the monitor of `client` listening on it: for the connections the
 * core opens itself (blocking receives, pub/sub subscribers).
 */
export function duplicateWatched(client: RedisClient, logger: CoordinationLogger): RedisClient {
  const connection = client.duplicate();
  connectionMonitor(client, logger).watch(connection);
  return connection;
}
