import type { Redis } from 'ioredis';
import { createMockRedis, useAccurateClock } from '../../../lib/testing';

/** Milliseconds of a TIME reply. */
function millisOf([seconds, micros]: readonly (string | number)[]): number {
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

const TIME_SCRIPT = "local t = redis.call('TIME') return { t[1], t[2] }";

type TimedClient = Redis & {
  serverTime(): Promise<[string, string]>;
  pcallTime(): Promise<[string, string]>;
  echoArgs(key: string, ...args: string[]): Promise<[string, number, string]>;
};

/** A pipeline or transaction of a {@link TimedClient}, with its scripts. */
interface TimedBatch {
  serverTime(): TimedBatch;
  pcallTime(): TimedBatch;
  echoArgs(key: string, ...args: string[]): TimedBatch;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The replies of a batch, in order. */
async function repliesOf(batch: TimedBatch): Promise<unknown[]> {
  return ((await batch.exec()) ?? []).map(([, reply]) => reply);
}

function timedClient(): TimedClient {
  const redis = createMockRedis() as TimedClient;
  redis.defineCommand('serverTime', { numberOfKeys: 0, lua: TIME_SCRIPT });
  redis.defineCommand('pcallTime', {
    numberOfKeys: 0,
    lua: "local t = redis.pcall('time') return { t[1], t[2] }",
  });
  redis.defineCommand('echoArgs', {
    numberOfKeys: 1,
    lua: "return { KEYS[1], #ARGV, table.concat(ARGV, ',') .. '|' .. redis.call('GET', KEYS[1]) }",
  });
  return redis;
}

describe('the testing backend clock', () => {
  let redis: TimedClient;

  beforeEach(() => {
    redis = timedClient();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    redis.disconnect();
  });

  it('answers TIME within 5 ms of the real clock and never going back, over 10 000 reads across seconds', async () => {
    const started = Date.now();
    let previous = 0;
    let worst = 0;
    for (let batch = 0; batch < 100; batch += 1) {
      for (let i = 0; i < 100; i += 1) {
        const before = Date.now();
        // Scripts are where the package reads the clock (one in ten here: each starts a Lua
        // interpreter); the command is read too.
        const reading = millisOf(i % 10 === 0 ? await redis.serverTime() : await redis.time());
        const after = Date.now();
        expect(reading).toBeGreaterThanOrEqual(previous);
        // Date.now() truncates to the millisecond: the reading lies in [before, after + 1).
        worst = Math.max(worst, before - reading, reading - (after + 1));
        previous = reading;
      }
      // Spread the reads out, so that they cross several second boundaries.
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(worst).toBeLessThanOrEqual(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('answers TIME the same way through pcall, pipelines and transactions', async () => {
    const before = Date.now();
    const readings = [
      await redis.pcallTime(),
      ...(await repliesOf((redis.pipeline() as unknown as TimedBatch).serverTime().pcallTime())),
      ...(await repliesOf((redis.multi() as unknown as TimedBatch).serverTime())),
    ] as [string, string][];
    const after = Date.now();
    expect(readings).toHaveLength(4);
    for (const reading of readings) {
      expect(millisOf(reading)).toBeGreaterThanOrEqual(before - 5);
      expect(millisOf(reading)).toBeLessThanOrEqual(after + 5);
    }
  });

  it('leaves a script its own keys and arguments', async () => {
    await redis.set('k', 'v');
    expect(await redis.echoArgs('k', 'a', 'b')).toEqual(['k', 2, 'a,b|v']);
    expect(await redis.echoArgs('k')).toEqual(['k', 0, '|v']);
    expect(await repliesOf((redis.pipeline() as unknown as TimedBatch).echoArgs('k', 'c'))).toEqual(
      [['k', 1, 'c|v']],
    );
  });

  it('answers callbacks as well as promises', async () => {
    const before = Date.now();
    const timeReply = await new Promise<[string, string]>((resolve, reject) => {
      void redis.time((error, reply) =>
        error ? reject(error) : resolve(reply as unknown as [string, string]),
      );
    });
    const scriptReply = await new Promise<[string, string]>((resolve, reject) => {
      const withCallback = redis.serverTime as unknown as (
        callback: (error: Error | null, reply: unknown) => void,
      ) => Promise<unknown>;
      void withCallback.call(redis, (error, reply) =>
        error ? reject(error) : resolve(reply as [string, string]),
      );
    });
    const after = Date.now();
    for (const reply of [timeReply, scriptReply]) {
      expect(millisOf(reply)).toBeGreaterThanOrEqual(before - 5);
      expect(millisOf(reply)).toBeLessThanOrEqual(after + 5);
    }
  });

  it('follows the wall clock when it is set, and never goes back when it is set back', () => {
    // A module of its own: the reading it leaves 60 s ahead must not reach the other tests.
    let clockMicros!: () => number;
    jest.isolateModules(() => {
      ({ clockMicros } = jest.requireActual<typeof import('../../../lib/testing/mock-clock')>(
        '../../../lib/testing/mock-clock',
      ));
    });
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    const ahead = clockMicros();
    expect(ahead).toBe((now + 60_000) * 1000);
    spy.mockReturnValue(now);
    expect(clockMicros()).toBe(ahead);
  });

  it('returns the client it was given, so it can wrap a constructor call', () => {
    const other = createMockRedis();
    expect(useAccurateClock(other)).toBe(other);
    other.disconnect();
  });
});
