import {
  CircuitBreakerOpenError,
  isRedisOperationError,
  UnexpectedScriptResultError,
} from '../../../lib/errors';
import type { RedisClient } from '../../../lib/common/redis-client';
import { CircuitBreaker } from '../../../lib/resilience/circuit-breaker';
import type { CircuitStateChange } from '../../../lib/resilience/circuit-breaker.events';
import { eventually } from '../../support/redis';

/** A connection that is down: ioredis would queue commands; the breaker must not wait. */
function downClient(status: string): { client: RedisClient; commands: jest.Mock } {
  const commands = jest.fn(() => new Promise(() => undefined));
  const client = { status, defineCommand: jest.fn(), publish: commands } as unknown as RedisClient;
  return { client, commands };
}

describe('CircuitBreaker without Redis', () => {
  it.each(['reconnecting', 'end', 'close'])(
    'runs calls on local state when the connection is %s, and says so',
    async (status) => {
      const { client } = downClient(status);
      const errors: Error[] = [];
      const breaker = new CircuitBreaker(
        client,
        'down',
        { failureThreshold: 2 },
        { onError: (e) => errors.push(e) },
      );
      await expect(breaker.call(() => 'fine')).resolves.toBe('fine');
      expect(breaker.getMetrics()).toMatchObject({ localFallback: true, successful: 1 });
      expect(errors.some(isRedisOperationError)).toBe(true);
      expect(errors[0]).toMatchObject({
        operation: 'acquirePermit',
        message: expect.stringContaining('connection is down') as unknown,
      });
      await expect(breaker.call(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(breaker.call(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(breaker.call(() => 'never')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
      expect(await breaker.getState()).toBe('open');
      await breaker.reset();
      expect(await breaker.getState()).toBe('closed');
    },
  );

  it('bounds a round trip that never answers by commandTimeoutMs', async () => {
    const hanging = {
      status: 'ready',
      defineCommand(name: string) {
        (this as Record<string, unknown>)[name] = () => new Promise(() => undefined);
      },
    } as unknown as RedisClient;
    const errors: Error[] = [];
    const breaker = new CircuitBreaker(
      hanging,
      'slow',
      {},
      { commandTimeoutMs: 30, onError: (e) => errors.push(e) },
    );
    const started = Date.now();
    await expect(breaker.call(() => 1)).resolves.toBe(1);
    // The 30 ms timeout, not for ever (generous bound: loaded CI).
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(breaker.getMetrics().localFallback).toBe(true);
    expect(errors[0].message).toContain('no answer within 30 ms');
  });

  it('close() completes stateChanges$', () => {
    const breaker = new CircuitBreaker(downClient('end').client, 'completed');
    const complete = jest.fn();
    breaker.stateChanges$.subscribe({ complete });
    breaker.close();
    expect(complete).toHaveBeenCalledTimes(1);
  });
});

/** A script reply `{code, state, gen, elapsed, from}`; states as 0 closed, 1 open, 2 half_open. */
type Reply = [number, number, number, number, number];
type Answer = () => Promise<unknown>;

const fails: Answer = () => Promise.reject(new Error('connection lost'));
const hangs: Answer = () => new Promise(() => undefined);
const junk: Answer = () => Promise.resolve(['nonsense']);
const answers =
  (reply: Reply): Answer =>
  () =>
    Promise.resolve(reply);
const ADMITTED_CLOSED: Reply = [1, 0, 0, 0, -1];
/** `record-outcome` opened the breaker: closed -> open, generation 1. */
const OPENED: Reply = [3, 1, 1, 0, 0];

/**
 * A connection that is up but whose breaker scripts answer what the test says (by default
 * they fail), recording each run as `[script, mode or outcome]`.
 */
function scriptedClient(): {
  client: RedisClient;
  runs: [string, string][];
  answer: Record<'acquire' | 'record' | 'reset', Answer>;
  publish: jest.Mock<Promise<number>, [string, string]>;
  setStatus: (status: string) => void;
} {
  const runs: [string, string][] = [];
  const answer = { acquire: fails, record: fails, reset: fails };
  const scripts: Record<string, keyof typeof answer> = {
    tta_acquire_permit: 'acquire',
    tta_record_outcome: 'record',
    tta_reset_breaker: 'reset',
  };
  const publish = jest.fn((_channel: string, _message: string) => Promise.resolve(0));
  const client = {
    status: 'ready',
    publish,
    defineCommand(name: string) {
      (this as unknown as Record<string, unknown>)[name] = (_key: string, mode: string) => {
        runs.push([scripts[name], mode]);
        return answer[scripts[name]]();
      };
    },
  };
  const setStatus = (status: string): void => {
    client.status = status;
  };
  return { client: client as unknown as RedisClient, runs, answer, publish, setStatus };
}

const ok = (): string => 'ok';
const boom = (): Promise<never> => Promise.reject(new Error('boom'));

/** `[from, to, source]` of every change `breaker` emits from now on. */
function watch(breaker: CircuitBreaker): [string, string, string][] {
  const seen: [string, string, string][] = [];
  breaker.onStateChange(({ from, to, source }: CircuitStateChange) =>
    seen.push([from, to, source]),
  );
  return seen;
}

describe('CircuitBreaker trying Redis again', () => {
  afterEach(() => jest.useRealTimers());

  it('tries once per resyncIntervalMs, counted from the start of the last try', async () => {
    jest.useFakeTimers();
    const redis = scriptedClient();
    const errors: Error[] = [];
    const breaker = new CircuitBreaker(
      redis.client,
      'resync',
      {},
      { resyncIntervalMs: 100, onError: (e) => errors.push(e) },
    );
    await expect(breaker.call(ok)).resolves.toBe('ok');
    expect(breaker.getMetrics().localFallback).toBe(true);
    await breaker.call(ok);
    jest.advanceTimersByTime(99);
    await breaker.call(ok);
    expect(redis.runs).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await breaker.call(ok);
    expect(redis.runs).toHaveLength(2);
    // That try failed too: the next one is a whole interval away.
    await breaker.call(ok);
    jest.advanceTimersByTime(99);
    await breaker.call(ok);
    expect(redis.runs).toHaveLength(2);
    expect(errors).toHaveLength(2);
  });

  it('does not count the time a timed-out try took towards the next interval', async () => {
    jest.useFakeTimers();
    const redis = scriptedClient();
    redis.answer.acquire = hangs;
    const breaker = new CircuitBreaker(
      redis.client,
      'slow-resync',
      {},
      { commandTimeoutMs: 50, resyncIntervalMs: 100 },
    );
    const callTimingOut = async (): Promise<void> => {
      const call = breaker.call(ok);
      await jest.advanceTimersByTimeAsync(50);
      await expect(call).resolves.toBe('ok');
    };
    await callTimingOut(); // tries at 0 and gives up at 50: next try at 150
    jest.advanceTimersByTime(100);
    await callTimingOut(); // tries at 150 and gives up at 200: next try at 250
    jest.advanceTimersByTime(50);
    await callTimingOut(); // at 250
    expect(redis.runs).toHaveLength(3);
  });

  it('does not try while the connection is down, however short the interval', async () => {
    jest.useFakeTimers();
    const redis = scriptedClient();
    const errors: Error[] = [];
    const breaker = new CircuitBreaker(
      redis.client,
      'reconnecting',
      {},
      { resyncIntervalMs: 0, onError: (e) => errors.push(e) },
    );
    await breaker.call(ok);
    redis.setStatus('reconnecting');
    jest.advanceTimersByTime(10);
    await breaker.call(ok);
    await breaker.getState();
    expect(errors).toHaveLength(1);
    redis.setStatus('ready');
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    redis.answer.record = answers([1, 0, 0, 0, -1]);
    await breaker.call(ok);
    expect(breaker.getMetrics().localFallback).toBe(false);
    expect(redis.runs).toEqual([
      ['acquire', 'acquire'],
      ['acquire', 'acquire'],
      ['record', 'success'],
    ]);
  });

  it('records the outcome of a call admitted locally there, even when Redis is back by then', async () => {
    const redis = scriptedClient();
    const breaker = new CircuitBreaker(redis.client, 'local-permit', {}, { resyncIntervalMs: 0 });
    const call = breaker.call(() => {
      redis.answer.acquire = answers(ADMITTED_CLOSED);
      redis.answer.record = answers([1, 0, 0, 0, -1]);
      return boom();
    });
    await expect(call).rejects.toThrow('boom');
    expect(redis.runs).toEqual([['acquire', 'acquire']]);
    expect(breaker.getMetrics()).toMatchObject({ localFallback: true, failed: 1 });
  });

  it('names the failed operation, or the script that answered nonsense, in what it reports', async () => {
    const redis = scriptedClient();
    const errors: Error[] = [];
    const breaker = new CircuitBreaker(
      redis.client,
      'named',
      {},
      { resyncIntervalMs: 0, onError: (e) => errors.push(e) },
    );
    await breaker.call(ok);
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    await breaker.call(ok);
    await breaker.reset();
    expect(errors.map((e) => isRedisOperationError(e) && e.operation)).toEqual([
      'acquirePermit',
      'recordOutcome',
      'resetBreaker',
    ]);
    errors.length = 0;
    redis.answer.acquire = junk;
    await breaker.call(ok);
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    redis.answer.record = junk;
    await breaker.call(ok);
    redis.answer.reset = junk;
    await breaker.reset();
    expect(errors.every((e) => e instanceof UnexpectedScriptResultError)).toBe(true);
    expect(errors.map((e) => (e as UnexpectedScriptResultError).script)).toEqual([
      'acquirePermit',
      'recordOutcome',
      'resetBreaker',
    ]);
  });
});

describe('CircuitBreaker publishing what its local state did', () => {
  const config = { failureThreshold: 1, openTimeoutMs: 60_000, recoveryTimeoutMs: 120_000 };

  it('tells Redis of a local trip once, before asking for a permit, and the channel too', async () => {
    const redis = scriptedClient();
    const breaker = new CircuitBreaker(redis.client, 'tripped', config, { resyncIntervalMs: 0 });
    const seen = watch(breaker);
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    expect(breaker.getMetrics()).toMatchObject({ state: 'open', localFallback: true });
    // Redis takes the trip (it had the breaker closed), then fails the permit.
    redis.answer.record = answers(OPENED);
    redis.runs.length = 0;
    await expect(breaker.call(ok)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    await expect(breaker.call(ok)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(redis.runs).toEqual([
      ['record', 'trip'],
      ['acquire', 'acquire'],
      ['acquire', 'acquire'],
    ]);
    expect(redis.publish).toHaveBeenCalledTimes(1);
    expect(JSON.parse(redis.publish.mock.calls[0][1])).toMatchObject({
      name: 'tripped',
      from: 'closed',
      to: 'open',
      gen: 1,
    });
    expect(seen).toEqual([
      ['closed', 'open', 'local'],
      ['open', 'closed', 'peer'],
      ['closed', 'open', 'redis'],
    ]);
  });

  it('does not tell Redis of a local trip that a local reset undid', async () => {
    const redis = scriptedClient();
    const breaker = new CircuitBreaker(redis.client, 'undone', config, { resyncIntervalMs: 0 });
    const seen = watch(breaker);
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    await breaker.reset();
    expect(breaker.getMetrics()).toMatchObject({ state: 'closed', localFallback: true });
    expect(seen).toEqual([
      ['closed', 'open', 'local'],
      ['open', 'closed', 'local'],
    ]);
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    redis.answer.record = answers([1, 0, 0, 0, -1]);
    redis.runs.length = 0;
    await expect(breaker.call(ok)).resolves.toBe('ok');
    expect(breaker.getMetrics().localFallback).toBe(false);
    expect(redis.runs).toEqual([
      ['acquire', 'acquire'],
      ['record', 'success'],
    ]);
    expect(redis.publish).not.toHaveBeenCalled();
  });

  it('does not tell Redis of an open state it only mirrored from there', async () => {
    const redis = scriptedClient();
    const breaker = new CircuitBreaker(redis.client, 'mirrored', config, { resyncIntervalMs: 0 });
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    redis.answer.record = answers(OPENED);
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    redis.answer.acquire = fails;
    await expect(breaker.call(ok)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(breaker.getMetrics().localFallback).toBe(true);
    redis.answer.acquire = answers([3, 1, 1, 5, -1]);
    redis.runs.length = 0;
    expect(await breaker.getState()).toBe('open');
    expect(redis.runs).toEqual([['acquire', 'peek']]);
  });

  it('does not tell Redis of a half-open period its local mirror began', async () => {
    const redis = scriptedClient();
    const breaker = new CircuitBreaker(
      redis.client,
      'mirrored-half-open',
      { ...config, openTimeoutMs: 10 },
      { resyncIntervalMs: 0 },
    );
    const seen = watch(breaker);
    redis.answer.acquire = answers(ADMITTED_CLOSED);
    redis.answer.record = answers(OPENED);
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    redis.answer.acquire = fails;
    // The local mirror's 10 ms open timeout passes (peeks change nothing before it does).
    expect(await eventually(async () => (await breaker.getState()) === 'half_open')).toBe(true);
    expect(await breaker.getState()).toBe('half_open');
    expect(breaker.getMetrics().localFallback).toBe(true);
    // A local transition: neither published nor reported as Redis's.
    expect(seen).toEqual([
      ['closed', 'open', 'redis'],
      ['open', 'half_open', 'local'],
    ]);
    expect(redis.publish).toHaveBeenCalledTimes(1);
    redis.answer.acquire = answers([2, 2, 2, 5, 1]);
    redis.runs.length = 0;
    expect(await breaker.getState()).toBe('half_open');
    expect(redis.runs).toEqual([['acquire', 'peek']]);
  });
});
