import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  FailureType,
  MessagePriority,
  MessageType,
  type AgentId,
  type AgentMessage,
  type BatchMessage,
  type ReceivedMessage,
} from '../../lib/messaging';
import { ConfigurationError, RedisOperationError, ValidationError } from '../../lib/errors';
import { rejectionOf } from '../support/errors';
import { createClient, keysUnder } from '../support/redis';
import { unreachableClient } from '../support/redis-server';
import { CoordinatorFixture, EMPTY_QUEUE, event, planner } from './coordinator-fixture';

/**
 * The finer points of the coordinator's contract: the exact field, rule and detail of each
 * argument error, empty batches that touch nothing, the operation a Redis failure names, and
 * the reply / request details (priority, inbox clean-up) the broader suites do not pin down.
 */
const fx = new CoordinatorFixture('contract');
const coordinator = fx.coordinator();
const worker: AgentId = { type: 'contract-worker' };
const TOKEN = '1:0:some-message';

afterAll(() => fx.teardown());

/** The ValidationError `promise` rejects with, as `{ field, rule, message }`. */
async function invalid(promise: Promise<unknown>) {
  const { field, rule, message } = await rejectionOf(ValidationError, promise);
  return { field, rule, message };
}

describe('RedisMessageCoordinator: argument errors name their field, rule and detail', () => {
  it('sendMessages refuses a non-array and each entry that is not an object', async () => {
    expect(await invalid(coordinator.sendMessages(planner, 'x' as never))).toEqual({
      field: 'messages',
      rule: 'isArray',
      message: 'Invalid messages: must be an array of { recipient, message } (rule: isArray)',
    });
    const notObject = {
      field: 'messages[1]',
      rule: 'isObject',
      message: 'Invalid messages[1]: must be { recipient, message } (rule: isObject)',
    };
    const good: BatchMessage = { recipient: worker, message: event() };
    expect(await invalid(coordinator.sendMessages(planner, [good, null as never]))).toEqual(
      notObject,
    );
    expect(await invalid(coordinator.sendMessages(planner, [good, 42 as never]))).toEqual(
      notObject,
    );
  });

  it('broadcast, ackAndReceiveMany and replayDeadLetters say what array they wanted', async () => {
    expect(await invalid(coordinator.broadcastMessage(planner, event(), 'x' as never))).toEqual({
      field: 'recipients',
      rule: 'isArray',
      message: 'Invalid recipients: must be an array of agent ids (rule: isArray)',
    });
    expect(await invalid(coordinator.ackAndReceiveMany(worker, 'x' as never, 1))).toEqual({
      field: 'tokens',
      rule: 'isArray',
      message: 'Invalid tokens: must be an array of delivery tokens (rule: isArray)',
    });
    expect(await invalid(coordinator.replayDeadLetters(worker, 'x' as never))).toMatchObject({
      field: 'messageIds',
      message: 'Invalid messageIds: must be an array of message ids (rule: isArray)',
    });
  });

  it('nack lists the failure types it takes and wants a string error', async () => {
    expect(await invalid(coordinator.nack(worker, TOKEN, 'bogus' as FailureType))).toEqual({
      field: 'failure',
      rule: 'isEnum',
      message: 'Invalid failure: must be one of transient, permanent, timeout (rule: isEnum)',
    });
    expect(
      await invalid(coordinator.nack(worker, TOKEN, FailureType.TRANSIENT, 5 as never)),
    ).toEqual({
      field: 'error',
      rule: 'isString',
      message: 'Invalid error: must be a string (rule: isString)',
    });
  });

  it('ackAndReceive, nack and extend name the bad agent as agentId', async () => {
    const bad = { type: 'a:b' };
    for (const call of [
      () => coordinator.ackAndReceive(bad, TOKEN),
      () => coordinator.nack(bad, TOKEN),
      () => coordinator.extend(bad, TOKEN, 1_000),
    ]) {
      expect(await invalid(call())).toMatchObject({ field: 'agentId.type', rule: 'matches' });
    }
  });

  it('reply refuses a missing request, and one without replyTo, as a ValidationError', async () => {
    const noReplyTo = {
      field: 'request.replyTo',
      rule: 'isDefined',
      message: 'Invalid request.replyTo: the request names no replyTo (rule: isDefined)',
    };
    expect(await invalid(coordinator.reply(worker, null as never, {}))).toEqual(noReplyTo);
    expect(await invalid(coordinator.reply(worker, undefined as never, {}))).toEqual(noReplyTo);
    const request = { messageId: 'no-reply-to', messageType: MessageType.REQUEST } as AgentMessage;
    expect(await invalid(coordinator.reply(worker, request, {}))).toEqual(noReplyTo);
  });
});

describe('RedisMessageCoordinator: empty batches', () => {
  it('sendMessages and broadcastMessage of nothing answer [] and write nothing', async () => {
    const prefix = `${fx.prefix}.untouched`;
    const fresh = fx.coordinator({ keyPrefix: prefix });
    expect(await fresh.sendMessages(planner, [])).toEqual([]);
    expect(await fresh.broadcastMessage(planner, event(), [])).toEqual([]);
    // Not even the layout version: an empty batch never reaches Redis.
    expect(await keysUnder(fx.client, prefix)).toEqual([]);
  });
});

describe('RedisMessageCoordinator: ackAndReceive and ackAndReceiveMany before their script', () => {
  it('refuse keys of another layout, like every other call', async () => {
    const prefix = `${fx.prefix}.other-layout`;
    await fx.client.set(new KeyLayout(prefix).layout, '99');
    const stranger = fx.coordinator({ keyPrefix: prefix });
    const agent = { type: 'layout-agent' };
    for (const call of [
      () => stranger.ackAndReceive(agent, TOKEN),
      () => stranger.ackAndReceiveMany(agent, [TOKEN], 1),
    ]) {
      expect(await rejectionOf(ConfigurationError, call())).toMatchObject({
        field: 'keyPrefix',
        rule: 'layoutVersion',
      });
    }
    expect(await keysUnder(fx.client, prefix)).toEqual([`${prefix}:layout`]);
  });

  it('report a dead connection as their own operation', async () => {
    const dead = await unreachableClient();
    const offline = fx.coordinator({ blockingReceive: false }, dead);
    try {
      const operation = async (call: Promise<unknown>) =>
        (await rejectionOf(RedisOperationError, call)).operation;
      expect(await operation(offline.ackAndReceive(worker, TOKEN))).toBe('ackAndReceive');
      expect(await operation(offline.ackAndReceiveMany(worker, [TOKEN], 1))).toBe(
        'ackAndReceiveMany',
      );
      expect(await operation(offline.receiveMany(worker, 1))).toBe('ackAndReceiveMany');
    } finally {
      dead.disconnect();
    }
  });
});

describe('RedisMessageCoordinator: receiveMany when nothing it reserved was readable', () => {
  it('goes on to the next good message without waiting', async () => {
    const agent = { type: 'contract-planted' };
    const queue = fx.keys.queue({ type: 'contract-planted', instance: 'default' });
    await fx.client.hset(queue.bodies, 'contract-bad-1', 'garbage');
    await fx.client.rpush(queue.ready[5], 'contract-bad-1');
    const sent = await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'contract-good-1' }),
    );
    expect(sent.delivered).toBe(true);
    // The one message the script reserves is malformed: it is dead-lettered, and the call
    // reserves again rather than reporting the queue empty.
    const taken = await coordinator.receiveMany(agent, 1, 30_000);
    expect(taken.map((d) => d.queueMessage.message.messageId)).toEqual(['contract-good-1']);
    expect(await coordinator.stats(agent)).toEqual({
      ...EMPTY_QUEUE,
      reserved: 1,
      deadLettered: 1,
    });
  });

  it('makes one script call, and no second reserve, when nothing is due and it may not wait', async () => {
    const calls: string[] = [];
    const counted = countingScripts(createClient(), calls);
    const c = fx.coordinator({}, counted);
    const agent = { type: 'contract-empty' };
    expect(await c.receiveMany(agent, 3, 1_000)).toEqual([]);
    expect(await c.ackAndReceiveMany(agent, [], 3, 1_000)).toEqual({
      acknowledged: [],
      next: [],
    });
    expect(calls).toEqual(['tta_ack_and_reserve_many', 'tta_ack_and_reserve_many']);
  });
});

/** `client`, recording in `calls` the name of each script command run through it. */
function countingScripts(client: Redis, calls: string[]): Redis {
  return new Proxy(client, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property !== 'string' || !property.startsWith('tta_')) return value;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(property);
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

describe('RedisMessageCoordinator: listQueues', () => {
  it('lists the queues sorted, whatever order Redis keeps them in', async () => {
    const prefix = `${fx.prefix}.sorted`;
    const c = fx.coordinator({ keyPrefix: prefix });
    const names = ['q-zulu', 'q-yankee', 'q-x-ray', 'q-whiskey', 'q-victor', 'q-uniform'];
    names.push('q-tango', 'q-sierra', 'q-romeo', 'q-papa', 'q-oscar', 'q-india');
    for (const type of names) {
      expect((await c.sendMessage(planner, { type }, event())).delivered).toBe(true);
    }
    expect(await c.listQueues()).toEqual(
      [...names].sort().map((type) => ({ type, instance: 'default' })),
    );
  });
});

describe('RedisMessageCoordinator: request and reply', () => {
  const requester = fx.coordinator();
  const responder = fx.coordinator();
  const answering: AgentId = { type: 'contract-answering' };

  async function receiveSoon(agent: AgentId): Promise<ReceivedMessage> {
    for (;;) {
      const delivery = await responder.receive(agent, 5_000, { waitMs: 100 });
      if (delivery) return delivery;
    }
  }

  it('a reply keeps the priority of its request, and the inbox acks the response', async () => {
    for (const priority of [MessagePriority.HIGH, MessagePriority.LOW]) {
      const pending = requester.request(planner, answering, event({ q: 1 }, { priority }), {
        timeoutMs: 5_000,
      });
      const delivery = await receiveSoon(answering);
      const request = delivery.queueMessage.message;
      expect((await responder.reply(answering, request, { a: 1 })).delivered).toBe(true);
      expect(await responder.ack(answering, delivery.token)).toBe(true);
      const response = await pending;
      expect(response).toMatchObject({
        messageType: MessageType.RESPONSE,
        correlationId: request.correlationId,
        priority,
        payload: { a: 1 },
      });
      // The response was acknowledged, not left reserved in the requester's inbox.
      expect(await responder.stats(request.replyTo!)).toEqual(EMPTY_QUEUE);
    }
  });

  it('a request the queue refuses fails at once as a RedisOperationError of request', async () => {
    const small = fx.coordinator({ queueSize: 1 });
    const full: AgentId = { type: 'contract-full' };
    expect((await small.sendMessage(planner, full, event())).delivered).toBe(true);
    const error = await rejectionOf(
      RedisOperationError,
      small.request(planner, full, event(), { timeoutMs: 5_000 }),
    );
    expect({ operation: error.operation, message: error.message }).toEqual({
      operation: 'request',
      message: 'Redis failed during request: queue full',
    });
  });
});
