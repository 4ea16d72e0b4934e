import { EventEmitter, getEventListeners } from 'node:events';
import Redis from 'ioredis';
import { WakeWaiter } from '../../../lib/messaging/wake-waiter';
import { REDIS_URL, eventually, uniquePrefix } from '../../support/redis';

describe('WakeWaiter', () => {
  const key = `${uniquePrefix('wake')}:wake`;
  // Its duplicates (the waiter's connections) carry the same name: CLIENT LIST finds them.
  const name = uniquePrefix('wake-waiter').replace(/\./g, '-');
  const client = new Redis(REDIS_URL, { connectionName: name });

  /** Whether one of the waiter's connections is blocked in BLPOP on the server now. */
  async function blockedInBlpop(): Promise<boolean> {
    const list = (await client.client('LIST')) as string;
    return list
      .split('\n')
      .some(
        (line) =>
          line.includes(` name=${name} `) && / flags=\w*b/.test(line) && / cmd=blpop /.test(line),
      );
  }
  const untilBlocked = async () => expect(await eventually(blockedInBlpop, 5_000)).toBe(true);

  afterAll(async () => {
    await client.del(key);
    await client.quit();
  });

  it('polls in short steps when it cannot block', async () => {
    const waiter = new WakeWaiter(client, false, 20);
    const started = Date.now();
    await waiter.wait(key, 10_000);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(15);
    // One 20 ms step, not the whole 10 s (generous bound: loaded CI).
    expect(waited).toBeLessThan(5_000);
    // Nothing to wait for: 0 ms, an aborted signal, or a closed waiter. With a 60 s step, any
    // wait at all would take the whole 5 s asked for.
    const idle = new WakeWaiter(client, false, 60_000);
    const t = Date.now();
    await idle.wait(key, 0);
    await idle.wait(key, 5_000, AbortSignal.abort());
    idle.close();
    await idle.wait(key, 5_000);
    expect(Date.now() - t).toBeLessThan(2_000);
    waiter.close();
  });

  it('blocks on the marker, wakes when it is pushed, and reuses its connection', async () => {
    const waiter = new WakeWaiter(client, true, 20);
    const duplicate = jest.spyOn(client, 'duplicate');
    try {
      const pending = waiter.wait(key, 10_000);
      await untilBlocked();
      let started = Date.now();
      await client.rpush(key, '1');
      await pending;
      // Woken by the push, not at the end of the 10 s (generous bound: loaded CI).
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await client.llen(key)).toBe(0);

      started = Date.now();
      await waiter.wait(key, 60);
      expect(Date.now() - started).toBeGreaterThanOrEqual(50);
      expect(duplicate).toHaveBeenCalledTimes(1);
    } finally {
      duplicate.mockRestore();
      waiter.close();
    }
  });

  it('an abort or close ends a blocked wait at once', async () => {
    const waiter = new WakeWaiter(client, true, 20);
    const controller = new AbortController();
    // Ended while really blocked, long before the 10 s (generous bounds: loaded CI).
    const aborted = waiter.wait(key, 10_000, controller.signal);
    await untilBlocked();
    let started = Date.now();
    controller.abort();
    await aborted;
    expect(Date.now() - started).toBeLessThan(5_000);

    const closed = waiter.wait(key, 10_000);
    await untilBlocked();
    started = Date.now();
    waiter.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('WakeWaiter connection bookkeeping', () => {
  /** A client whose duplicates answer BLPOP by running `during` first. */
  function fakeClient(during: () => void) {
    // An emitter like ioredis connections: the waiter listens to its errors.
    const connection = Object.assign(new EventEmitter(), {
      blpop: jest.fn(() => {
        during();
        return Promise.resolve(null);
      }),
      disconnect: jest.fn(),
    });
    const client = { duplicate: jest.fn(() => connection) };
    return { client: client as unknown as Redis, connection };
  }

  it('takes no connection when there is nothing to wait for', async () => {
    const { client, connection } = fakeClient(() => undefined);
    const waiter = new WakeWaiter(client, true, 20);
    await waiter.wait('k', 0);
    await waiter.wait('k', 1_000, AbortSignal.abort());
    waiter.close();
    await waiter.wait('k', 1_000);
    expect(client.duplicate).not.toHaveBeenCalled();
    expect(connection.blpop).not.toHaveBeenCalled();
  });

  it('blocks at least 1 ms, in seconds, and leaves no listener on the signal', async () => {
    const { client, connection } = fakeClient(() => undefined);
    const waiter = new WakeWaiter(client, true, 20);
    const controller = new AbortController();
    await waiter.wait('k', 0.5, controller.signal);
    await waiter.wait('k', 2_500, controller.signal);
    expect(connection.blpop.mock.calls).toEqual([
      ['k', 0.001],
      ['k', 2.5],
    ]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(connection.disconnect).not.toHaveBeenCalled();
  });

  it('keeps the process alive while it polls, as work in progress', async () => {
    const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const waiter = new WakeWaiter({} as Redis, false, 30);
    const before = liveTimers();
    const pending = waiter.wait('k', 1_000);
    expect(liveTimers()).toBe(before + 1);
    await pending;
    // Other timers of the process may have ended meanwhile; the waiter's must not be left.
    expect(liveTimers()).toBeLessThanOrEqual(before);
  });

  it('drops a connection whose wait failed, and takes a new one for the next wait', async () => {
    const { client, connection } = fakeClient(() => undefined);
    connection.blpop.mockImplementationOnce(() => Promise.reject(new Error('connection lost')));
    const waiter = new WakeWaiter(client, true, 20);
    await waiter.wait('k', 1_000);
    expect(connection.disconnect).toHaveBeenCalledTimes(1);
    await waiter.wait('k', 1_000);
    expect(client.duplicate).toHaveBeenCalledTimes(2);
    waiter.close();
    // Only the connection of the second wait, kept for reuse, is left to close.
    expect(connection.disconnect).toHaveBeenCalledTimes(2);
  });

  it('drops a connection whose wait ended just as the signal fired', async () => {
    const controller = new AbortController();
    const { client, connection } = fakeClient(() => controller.abort());
    const waiter = new WakeWaiter(client, true, 20);
    await waiter.wait('k', 1_000, controller.signal);
    // Disconnected twice: once by the abort listener, once instead of being kept for reuse.
    expect(connection.disconnect).toHaveBeenCalledTimes(2);
  });

  it('drops a connection whose wait ended just as the waiter closed', async () => {
    let waiter: WakeWaiter | undefined = undefined;
    const { client, connection } = fakeClient(() => waiter!.close());
    waiter = new WakeWaiter(client, true, 20);
    await waiter.wait('k', 1_000);
    expect(connection.disconnect).toHaveBeenCalled();
    await waiter.wait('k', 1_000);
    expect(connection.blpop).toHaveBeenCalledTimes(1);
  });
});
