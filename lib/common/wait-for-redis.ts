import { RedisConnectionError } from '../errors/connection.errors';
import { describeRedisAddress } from './redis-address';
import type { RedisClient } from './redis-client';

/**
 * Default of the Nest module's `connectTimeoutMs`.
 *
 * @public
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * Resolves once `client` is ready; connects a lazy (`lazyConnect`) client. A client without a
 * connection state (ioredis-mock) counts as ready. Leaves the connection open either way:
 * closing it is its owner's call.
 *
 * @throws RedisConnectionError naming the address when the client is not ready within
 *   `timeoutMs`, or its connection ends first (ioredis gave up reconnecting)
 *
 * @public
 */
export function waitForRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  const status = (client as { status?: string }).status;
  if (status === undefined || status === 'ready') return Promise.resolve();
  const address = describeRedisAddress(client);
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error): void => {
      lastError = error;
    };
    const finish = (error?: RedisConnectionError): void => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => finish();
    const onEnd = (): void =>
      finish(new RedisConnectionError(address, timeoutMs, lastError ?? 'the connection ended'));
    const timer = setTimeout(
      () => finish(new RedisConnectionError(address, timeoutMs, lastError)),
      timeoutMs,
    );
    client.on('error', onError);
    client.on('ready', onReady);
    client.on('end', onEnd);
    if (status === 'end') onEnd();
    // A lazy client connects on its first command; start-up is that first use.
    else if (status === 'wait') client.connect().catch(() => undefined);
  });
}
