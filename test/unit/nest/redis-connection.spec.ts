import Redis from 'ioredis';
import { ErrorCode, RedisConnectionError, silentLogger } from '../../../lib';
import { closeConnection, openConnection } from '../../../lib/nest/module/redis.connection';
import { findFreePorts, LOOPBACK } from '../../support/redis-server';
import { REDIS_URL, closeClients, createClient, eventually } from '../../support/redis';

describe('the module connection (real Redis)', () => {
  afterAll(() => closeClients());

  it('opens a connection from a URL and from options, and closes what it opened', async () => {
    const fromUrl = await openConnection(REDIS_URL, 5_000, silentLogger);
    const { port, hostname } = new URL(REDIS_URL);
    const fromOptions = await openConnection(
      { host: hostname, port: Number(port) },
      5_000,
      silentLogger,
    );
    for (const redis of [fromUrl, fromOptions]) {
      expect(redis.owned).toBe(true);
      expect(redis.client.status).toBe('ready');
      await closeConnection(redis);
      expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    }
  });

  it('closing a connection that has already ended does nothing and does not reconnect', async () => {
    const redis = await openConnection(REDIS_URL, 5_000, silentLogger);
    redis.client.disconnect();
    expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    await expect(closeConnection(redis)).resolves.toBeUndefined();
    expect(redis.client.status).toBe('end');
    await expect(redis.client.ping()).rejects.toThrow('Connection is closed');
  });

  it('leaves an application-owned connection open, without the module listeners', async () => {
    const own: Redis = createClient();
    const before = own.listenerCount('error');
    const redis = await openConnection(own, 5_000, silentLogger);
    expect(redis).toMatchObject({ client: own, owned: false });
    expect(own.listenerCount('error')).toBe(before + 1);
    await closeConnection(redis);
    expect(own.listenerCount('error')).toBe(before);
    expect(await own.ping()).toBe('PONG');
  });

  it('connects a lazy application-owned connection', async () => {
    const own = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await openConnection(own, 5_000, silentLogger);
      expect(own.status).toBe('ready');
    } finally {
      own.disconnect();
    }
  });

  it('gives up on an address nothing listens on after connectTimeoutMs and closes what it opened', async () => {
    const [port] = await findFreePorts(1);
    const started = Date.now();
    const error = await openConnection(
      `redis://:hunter2@${LOOPBACK}:${port}`,
      300,
      silentLogger,
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(299);
    expect(error).toBeInstanceOf(RedisConnectionError);
    const typed = error as RedisConnectionError;
    expect(typed.code).toBe(ErrorCode.REDIS_UNAVAILABLE);
    expect(typed.address).toBe(`${LOOPBACK}:${port}`);
    expect(typed.message).toContain(`Redis at ${LOOPBACK}:${port} was not ready within 300 ms`);
    expect(typed.message).toContain('ECONNREFUSED');
    expect(typed.message).not.toContain('hunter2');
  });

  it('fails at once when a connection it opened gives up reconnecting', async () => {
    const [port] = await findFreePorts(1);
    const started = Date.now();
    await expect(
      openConnection({ host: LOOPBACK, port, retryStrategy: () => null }, 10_000, silentLogger),
    ).rejects.toMatchObject({ code: ErrorCode.REDIS_UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails for an application connection that never becomes ready, and leaves it open', async () => {
    const [port] = await findFreePorts(1);
    const own = new Redis(port, LOOPBACK, { retryStrategy: () => 50 });
    const errors: Error[] = [];
    own.on('error', (e: Error) => errors.push(e));
    try {
      await expect(openConnection(own, 300, silentLogger)).rejects.toMatchObject({
        code: ErrorCode.REDIS_UNAVAILABLE,
        address: `${LOOPBACK}:${port}`,
      });
      expect(own.status).not.toBe('end');
      expect(own.listenerCount('error')).toBe(1);
    } finally {
      own.disconnect();
    }
  });

  it('fails at once when an application connection ends before it is ready', async () => {
    const [port] = await findFreePorts(1);
    const own = new Redis(port, LOOPBACK, { lazyConnect: true, retryStrategy: () => null });
    own.on('error', () => undefined);
    const started = Date.now();
    await expect(openConnection(own, 10_000, silentLogger)).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(own.status).toBe('end');
    const ended = new Redis(REDIS_URL);
    await ended.quit();
    expect(await eventually(() => ended.status === 'end', 2_000)).toBe(true);
    await expect(openConnection(ended, 10_000, silentLogger)).rejects.toThrow(
      /the connection ended/,
    );
  });
});
