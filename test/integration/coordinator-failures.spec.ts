import Redis from 'ioredis';
import { MessageType, RedisMessageCoordinator, type AgentId } from '../../lib/messaging';
import { ErrorCode, RedisOperationError, isRedisOperationError } from '../../lib/errors';
import { REDIS_URL, createClient, describeRealRedis, eventually } from '../support/redis';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

const worker: AgentId = { type: 'worker' };
const TOKEN = '1:0:some-message';

/** Every coordinator call that talks to Redis, as a promise. */
const calls: [string, (c: RedisMessageCoordinator) => Promise<unknown>][] = [
  ['receive', (c) => c.receive(worker)],
  ['ack', (c) => c.ack(worker, TOKEN)],
  ['nack', (c) => c.nack(worker, TOKEN)],
  ['extend', (c) => c.extend(worker, TOKEN, 1_000)],
  ['recoverPending', (c) => c.recoverPending(worker)],
  // Without an agent, reading the queue index fails first, reported as recoverPending too.
  ['recoverPending', (c) => c.recoverPending()],
  ['stats', (c) => c.stats(worker)],
  ['oldestReadyAt', (c) => c.oldestReadyAt(worker)],
  ['listQueues', (c) => c.listQueues()],
  ['deadLetters', (c) => c.deadLetters(worker)],
  ['replayDeadLetters', (c) => c.replayDeadLetters(worker)],
  ['purgeDeadLetters', (c) => c.purgeDeadLetters(worker)],
  ['subscribeToMessages', (c) => c.subscribeToMessages(worker, [MessageType.EVENT])],
  ['unsubscribe', (c) => c.unsubscribe('0d9f2c1e-aaaa-bbbb-cccc-1234567890ab')],
  ['publish', (c) => c.publish(planner, event())],
];

/** Shows SPEC §2/§6: send reports trouble in its result, everything else throws typed. */
async function expectTypedFailures(coordinator: RedisMessageCoordinator, reason: RegExp) {
  const result = await coordinator.sendMessage(
    planner,
    worker,
    event({}, { messageId: 'fail-01' }),
  );
  expect(result.messageId).toBe('fail-01');
  expect(result.delivered).toBe(false);
  expect(result.error).toMatch(reason);
  const results = await coordinator.broadcastMessage(planner, event(), [worker, { type: 'b' }]);
  expect(results.map((r) => r.delivered)).toEqual([false, false]);
  const batch = await coordinator.sendMessages(planner, [
    { recipient: worker, message: event({}, { messageId: 'fail-b1' }) },
    { recipient: { type: 'b' }, message: event({}, { messageId: 'fail-b2' }) },
  ]);
  expect(batch.map((r) => [r.messageId, r.delivered])).toEqual([
    ['fail-b1', false],
    ['fail-b2', false],
  ]);
  for (const r of batch) expect(r.error).toMatch(reason);

  for (const [operation, call] of calls) {
    const error = (await call(coordinator).then(
      () => undefined,
      (e: unknown) => e,
    )) as RedisOperationError;
    expect(isRedisOperationError(error)).toBe(true);
    expect({ operation: error.operation, code: error.code, retryable: error.retryable }).toEqual({
      operation,
      code: ErrorCode.REDIS_ERROR,
      retryable: true,
    });
    expect(error.message).toMatch(reason);
    expect(error.cause).toBeInstanceOf(Error);
  }

  const request = await coordinator
    .request(planner, worker, event(), { timeoutMs: 2_000 })
    .catch((e: unknown) => e);
  expect(request).toBeInstanceOf(RedisOperationError);
}

/**
 * A client whose every command fails while `broken.failing` is true, and whose commands named
 * in `broken.answers` answer that instead (works on both backends).
 */
function breakable(): {
  client: Redis;
  broken: { failing: boolean; answers: Record<string, unknown> };
} {
  const broken = { failing: true, answers: {} as Record<string, unknown> };
  const target = createClient();
  const passThrough = new Set<PropertyKey>(['defineCommand', 'constructor', 'duplicate']);
  const client = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || passThrough.has(property)) return value;
      return (...args: unknown[]) => {
        if (typeof property === 'string' && property in broken.answers)
          return Promise.resolve(broken.answers[property]);
        return broken.failing
          ? Promise.reject(new Error('injected failure'))
          : (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { client, broken };
}

describe('RedisMessageCoordinator: Redis failures', () => {
  const fx = new CoordinatorFixture('failures');

  afterAll(() => fx.teardown());

  it('reports every failure typed, and works again once Redis answers', async () => {
    const { client, broken } = breakable();
    const coordinator = fx.coordinator({}, client);
    await expectTypedFailures(coordinator, /injected failure/);

    broken.failing = false;
    expect(
      (await coordinator.sendMessage(planner, worker, event({}, { messageId: 'back-01' })))
        .delivered,
    ).toBe(true);
    const delivery = await coordinator.receive(worker);
    expect(delivery!.queueMessage.message.messageId).toBe('back-01');
    expect(await coordinator.ack(worker, delivery!.token)).toBe(true);
  });

  it('a request whose reply inbox cannot be read still times out, typed', async () => {
    const { client, broken } = breakable();
    const coordinator = fx.coordinator({}, client);
    broken.failing = false;
    const silent = { type: 'silent' };
    const pending = coordinator.request(planner, silent, event(), { timeoutMs: 500 });
    // Break Redis only once the request is queued: then only the inbox reads fail.
    const observer = fx.coordinator();
    expect(await eventually(async () => (await observer.stats(silent)).ready === 1)).toBe(true);
    broken.failing = true;
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
  });

  it('an answer from the send script this client does not know is reported, not thrown', async () => {
    const { client, broken } = breakable();
    broken.failing = false;
    broken.answers.tta_send_messages = '7';
    const coordinator = fx.coordinator({}, client);
    const result = await coordinator.sendMessage(
      planner,
      worker,
      event({}, { messageId: 'odd-01' }),
    );
    expect(result).toEqual({
      messageId: 'odd-01',
      delivered: false,
      error: 'Script send returned 7',
    });
  });

  describeRealRedis('on a disconnected real connection', () => {
    it('sendMessage says why it did not deliver; every other call throws RedisOperationError', async () => {
      const client = new Redis(REDIS_URL, {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        lazyConnect: true,
      });
      client.disconnect();
      const coordinator = new RedisMessageCoordinator(client, { keyPrefix: fx.prefix });
      try {
        await expectTypedFailures(coordinator, /Connection is closed|Stream isn't writeable/);
      } finally {
        await coordinator.close();
      }
    });

    it('a script failing on the server (wrong key type) is typed too', async () => {
      const coordinator = fx.coordinator();
      const victim = { type: 'wrong-type' };
      await fx.client.set(fx.keys.queue(victim).ready[5], 'not a list');
      const result = await coordinator.sendMessage(planner, victim, event());
      expect(result.delivered).toBe(false);
      expect(result.error).toMatch(/WRONGTYPE/);
      await expect(coordinator.receive(victim)).rejects.toMatchObject({
        code: ErrorCode.REDIS_ERROR,
        operation: 'receive',
      });
      await expect(coordinator.stats(victim)).rejects.toBeInstanceOf(RedisOperationError);
    });
  });
});
