import type Redis from 'ioredis';
import { closeConnection, openConnection } from '../../../lib/nest/redis-connection';
import { REDIS_URL, closeClients, createClient, eventually } from '../../support/redis';

describe('the module connection (real Redis)', () => {
  afterAll(() => closeClients());

  it('opens a connection from a URL and from options, and closes what it opened', async () => {
    const fromUrl = openConnection(REDIS_URL);
    const { port, hostname } = new URL(REDIS_URL);
    const fromOptions = openConnection({ host: hostname, port: Number(port) });
    for (const redis of [fromUrl, fromOptions]) {
      expect(redis.owned).toBe(true);
      expect(await redis.client.ping()).toBe('PONG');
      await closeConnection(redis);
      expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    }
  });

  it('closing a connection that has already ended does nothing and does not reconnect', async () => {
    const redis = openConnection(REDIS_URL);
    await redis.client.ping();
    redis.client.disconnect();
    expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    await expect(closeConnection(redis)).resolves.toBeUndefined();
    expect(redis.client.status).toBe('end');
    await expect(redis.client.ping()).rejects.toThrow('Connection is closed');
  });

  it('leaves an application-owned connection open', async () => {
    const own: Redis = createClient();
    const redis = openConnection(own);
    expect(redis).toEqual({ client: own, owned: false });
    await closeConnection(redis);
    expect(await own.ping()).toBe('PONG');
  });
});
