import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  type AgentCoordinationError,
  ConfigurationError,
  ErrorCode,
  PayloadTooLargeError,
  ValidationError,
} from '../../lib/errors';
import {
  FailureType,
  type MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  type AgentId,
  type OutgoingMessage,
} from '../../lib/messaging';
import {
  backend,
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  itRealRedis,
  keysUnder,
  uniquePrefix,
} from '../support/redis';

/**
 * A table of hostile inputs. Each row names the input and what must happen: a typed error
 * (thrown before Redis is touched) or a safe outcome. After every row the victim's queue still
 * holds exactly the messages it held before, and a second key prefix on the same Redis is
 * byte-for-byte unchanged.
 */

jest.setTimeout(120_000);

const sender: AgentId = { type: 'adversary', instance: 'a1' };
const victim: AgentId = { type: 'victim', instance: 'v1' };
const TEN_KB = 'x'.repeat(10 * 1024);
const GARBAGE_BYTES = backend === 'mock' ? 64 * 1024 : 1024 * 1024;

function event(payload: Record<string, unknown> = {}, extra: Partial<OutgoingMessage> = {}) {
  return { messageType: MessageType.EVENT, payload, ...extra } as OutgoingMessage;
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

/** Every key under `prefix` with its type and full value, for before/after comparison. */
async function snapshot(client: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of await keysUnder(client, prefix)) {
    const type = await client.type(key);
    if (type === 'string') out[key] = await client.get(key);
    else if (type === 'list') out[key] = await client.lrange(key, 0, -1);
    else if (type === 'hash') out[key] = await client.hgetall(key);
    else if (type === 'set') out[key] = (await client.smembers(key)).sort();
    else if (type === 'zset') out[key] = await client.zrange(key, 0, -1, 'WITHSCORES');
    else out[key] = type;
  }
  return out;
}

/** Asserts `action` rejects with a ValidationError on `field` (and the stable code). */
async function rejectsOn(
  action: () => Promise<unknown>,
  field: string | RegExp,
  rule?: string,
): Promise<void> {
  const error = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.code).toBe(ErrorCode.VALIDATION_FAILED);
  if (typeof field === 'string') expect(v.field).toBe(field);
  else expect(v.field).toMatch(field);
  if (rule) expect(v.rule).toBe(rule);
}

describe('adversarial input', () => {
  let client: Redis;
  let prefix: string;
  let otherPrefix: string;
  let coordinator: RedisMessageCoordinator;
  let other: RedisMessageCoordinator;
  let keys: KeyLayout;
  let otherBefore: Record<string, unknown>;
  /** Ids the victim holds in its ready queue; every row must leave them in place. */
  const held: string[] = [];

  beforeAll(async () => {
    client = createClient();
    prefix = uniquePrefix('adv');
    otherPrefix = uniquePrefix('adv-other');
    keys = new KeyLayout(prefix);
    coordinator = new RedisMessageCoordinator(client, {
      keyPrefix: prefix,
      maxPayloadBytes: 256 * 1024,
      retryAttempts: 1,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      jitter: 'none',
    });
    // The bystander: another application's keys on the same Redis, in every state.
    other = new RedisMessageCoordinator(client, { keyPrefix: otherPrefix });
    for (let i = 0; i < 3; i++)
      await other.sendMessage(sender, victim, event({ i }, { messageId: `other-${i}` }));
    const reserved = await other.receive(victim, 60_000);
    await other.nack(victim, reserved!.token, FailureType.PERMANENT, 'kept dead');
    await other.receive(victim, 60_000);
    await other.subscribeToMessages(victim, [MessageType.EVENT]);
    otherBefore = await snapshot(client, otherPrefix);
    expect(Object.keys(otherBefore).length).toBeGreaterThan(4);

    for (let i = 0; i < 3; i++) {
      const id = `held-${i}`;
      await coordinator.sendMessage(sender, victim, event({ i }, { messageId: id }));
      held.push(id);
    }
  });

  afterEach(async () => {
    // Nothing lost: the victim's held messages are still ready, in order.
    expect(await client.lrange(keys.queue(victim).ready[5], 0, held.length - 1)).toEqual(held);
    // The other prefix is untouched.
    expect(await snapshot(client, otherPrefix)).toEqual(otherBefore);
  });

  afterAll(async () => {
    await coordinator.close();
    await other.close();
    await deleteKeys(client, prefix);
    await deleteKeys(client, otherPrefix);
    await closeClients();
  });

  const hostileIds: [string, string][] = [
    ['a colon', 'a:b'],
    ['an opening brace', '{victim'],
    ['a closing brace', 'victim}'],
    ['a hash tag', '{victim/v1}'],
    ['a glob star', '*'],
    ['a slash', 'victim/v1'],
    ['unicode', 'agënt-ü'],
    ['an emoji', 'bot-🤖'],
    ['a 10 KB string', TEN_KB],
    ['an empty string', ''],
    ['a NUL byte', 'a\u0000b'],
    ['a newline', 'a\nb'],
  ];

  describe('nesting 100 000 levels deep', () => {
    const deep = nested(100_000);
    it.each<[string, () => Promise<unknown>]>([
      ['as the sender', () => coordinator.sendMessage(deep as never, victim, event())],
      ['as the recipient', () => coordinator.sendMessage(sender, { type: deep } as never, event())],
      [
        'as routing',
        () => coordinator.sendMessage(sender, victim, event({}, { routing: deep as never })),
      ],
      [
        'as replyTo',
        () => coordinator.sendMessage(sender, victim, event({}, { replyTo: deep as never })),
      ],
    ])('%s is refused with a ValidationError, not a RangeError', async (_where, send) => {
      const before = await keysUnder(client, prefix);
      const error = await send().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ rule: 'maxDepth' });
      expect(await keysUnder(client, prefix)).toEqual(before);
    });
  });

  it('a request with a signal that is not an AbortSignal is refused before anything is enqueued', async () => {
    const before = await snapshot(client, prefix);
    const error = await coordinator
      .request(sender, victim, event(), { timeoutMs: 1_000, signal: { aborted: false } as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'signal', rule: 'isAbortSignal' });
    expect(await snapshot(client, prefix)).toEqual(before);
  });

  it('configure(null) and limits no option check can print are refused with a ConfigurationError', () => {
    expect(() => coordinator.configure(null as never)).toThrow(ConfigurationError);
    const bare = (): unknown => coordinator.configure({ queueSize: Object.create(null) as never });
    expect(bare).toThrow(ConfigurationError);
    expect(bare).toThrow('must be an integer, got an object');
    expect(() => coordinator.configure({ queueSize: Symbol('q') as never })).toThrow(
      'got a symbol',
    );
  });

  describe.each(hostileIds)('an agent id with %s', (_name, text) => {
    it('is refused as recipient type and instance before Redis is touched', async () => {
      const before = await keysUnder(client, prefix);
      await rejectsOn(
        () => coordinator.sendMessage(sender, { type: text }, event()),
        'recipient.type',
      );
      await rejectsOn(
        () => coordinator.sendMessage(sender, { type: 'ok', instance: text }, event()),
        'recipient.instance',
      );
      await rejectsOn(
        () => coordinator.sendMessage({ type: text }, victim, event()),
        'sender.type',
      );
      await rejectsOn(() => coordinator.receive({ type: text }), 'agentId.type');
      await rejectsOn(() => coordinator.recoverPending({ type: 'ok', instance: text }), /agentId/);
      await rejectsOn(() => coordinator.purgeDeadLetters({ type: text }), 'agentId.type');
      await rejectsOn(
        () => coordinator.broadcastMessage(sender, event(), [victim, { type: text }]),
        'recipients[1].type',
      );
      await rejectsOn(
        () => coordinator.sendMessage(sender, victim, event({}, { replyTo: { type: text } })),
        /replyTo/,
      );
      expect(await keysUnder(client, prefix)).toEqual(before);
    });
  });

  const hostileMessageIds: [string, string][] = [
    ['an opening brace', '{victim/v1}x'],
    ['a glob star', 'abcdef*'],
    ['unicode', 'nachricht-ü'],
    ['a 10 KB string', TEN_KB],
    ['a space', 'abc def'],
    ['too short', 'abc'],
  ];

  it.each(hostileMessageIds)('a message id with %s is refused', async (_name, messageId) => {
    await rejectsOn(
      () => coordinator.sendMessage(sender, victim, event({}, { messageId })),
      'message.messageId',
    );
  });

  it('a message id full of colons round-trips: token, ack and recovery parse it right', async () => {
    const agent = { type: 'colons' };
    const messageId = 'a:b:c:1:2:3';
    expect((await coordinator.sendMessage(sender, agent, event({}, { messageId }))).delivered).toBe(
      true,
    );
    const first = await coordinator.receive(agent, 10);
    expect(first?.queueMessage.message.messageId).toBe(messageId);
    // The 10 ms reservation lapses; recovery takes it back once the server's clock says so.
    expect(await eventually(async () => (await coordinator.recoverPending(agent)) === 1)).toBe(
      true,
    );
    const second = await coordinator.receive(agent, 60_000);
    expect(second?.queueMessage.deliveryAttempts).toBe(1);
    expect(await coordinator.ack(agent, second!.token)).toBe(true);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  const hostileTokens: [string, unknown][] = [
    ['an empty string', ''],
    ['a hash tag', '1:0:{victim/v1}'],
    ['a glob', '1:0:*'],
    ['a 10 KB string', `1:0:${TEN_KB}`],
    ['a number', 42],
    ['an object', { token: '1:0:held-0' }],
    ['a negative sequence', '-1:0:held-0'],
  ];

  it.each(hostileTokens)('a token that is %s is refused', async (_name, token) => {
    await rejectsOn(() => coordinator.ack(victim, token as string), 'token');
    await rejectsOn(() => coordinator.nack(victim, token as string), 'token');
    await rejectsOn(() => coordinator.extend(victim, token as string, 1000), 'token');
  });

  it('a well-formed token that was never issued, or belongs to another agent, changes nothing', async () => {
    const other = { type: 'thief' };
    await coordinator.sendMessage(sender, other, event({ mine: true }, { messageId: 'stolen-1' }));
    const delivery = await coordinator.receive(other, 60_000);
    // The victim's queue never issued this token: no effect on either queue.
    expect(await coordinator.ack(victim, delivery!.token)).toBe(false);
    expect(await coordinator.nack(victim, delivery!.token, FailureType.PERMANENT)).toBe(false);
    expect(await coordinator.extend(victim, delivery!.token, 1000)).toBe(false);
    expect(await coordinator.ack(victim, '999999:0:held-0')).toBe(false);
    expect(await coordinator.nack(victim, '999999:0:held-1', FailureType.PERMANENT)).toBe(false);
    expect((await coordinator.stats(other)).reserved).toBe(1);
    expect(await coordinator.ack(other, delivery!.token)).toBe(true);
  });

  describe('payloads', () => {
    const agent = { type: 'payloads' };

    async function roundTrip(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
      const sent = await coordinator.sendMessage(sender, agent, event(payload));
      expect(sent.delivered).toBe(true);
      const delivery = await coordinator.receive(agent, 60_000);
      expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
      return delivery!.queueMessage.message.payload;
    }

    it('an own __proto__ key (as JSON.parse makes it) is refused', async () => {
      const payload = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<
        string,
        unknown
      >;
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event(payload)),
        'message.payload.__proto__',
      );
      const deep = JSON.parse('{"a":{"b":[{"__proto__":{"polluted":true}}]}}') as Record<
        string,
        unknown
      >;
      await rejectsOn(() => coordinator.sendMessage(sender, agent, event(deep)), /__proto__$/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('constructor / prototype keys are plain data: delivered as sent, nothing polluted', async () => {
      const payload = {
        constructor: { prototype: { polluted: true } },
        prototype: { polluted: true },
        toString: 'not a function',
        hasOwnProperty: 1,
      };
      expect(await roundTrip(payload)).toEqual(payload);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(typeof {}.toString).toBe('function');
    });

    it('a literal { __proto__: x } sets the prototype only; the stored payload carries no key', async () => {
      const payload = { __proto__: { polluted: true }, kept: 1 } as Record<string, unknown>;
      expect(await roundTrip(payload)).toEqual({ kept: 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('unicode, NUL bytes, lone surrogates and Lua-special text round-trip exactly', async () => {
      const payload = {
        text: 'grüße 🤖 \u0000 \n\r\t "quoted" \\ back',
        lua: "%d%s ' ]] [[ -- redis.call('FLUSHALL')",
        keys: '{victim/v1} ao:* :layout',
        number: 1e308,
        small: -0.000001,
        big: 9007199254740991,
        list: [null, true, false, 0, ''],
      };
      expect(await roundTrip(payload)).toEqual(payload);
    });

    it('nesting deeper than the limit is refused without blowing the stack', async () => {
      expect(await roundTrip(nested(60))).toEqual(nested(60));
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event(nested(65))),
        /^message\.payload/,
        'maxPayloadDepth',
      );
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event(nested(100_000))),
        /^message\.payload/,
        'maxPayloadDepth',
      );
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event(cyclic)),
        /^message\.payload/,
      );
    });

    it('a payload over maxPayloadBytes is refused with PayloadTooLargeError; just under is fine', async () => {
      const error = await coordinator
        .sendMessage(sender, agent, event({ blob: 'y'.repeat(300 * 1024) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as AgentCoordinationError).code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
      const multiByte = await coordinator
        .sendMessage(sender, agent, event({ blob: 'ü'.repeat(140 * 1024) }))
        .catch((e: unknown) => e);
      expect(multiByte).toBeInstanceOf(PayloadTooLargeError);
      const fits = { blob: 'z'.repeat(200 * 1024) };
      expect(await roundTrip(fits)).toEqual(fits);
      const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
      expect(await roundTrip(wide)).toEqual(wide);
    });

    const notObjects: [string, unknown][] = [
      ['null', null],
      ['an array', [1, 2]],
      ['a string', '{"a":1}'],
      ['a number', 7],
      ['undefined', undefined],
    ];
    it.each(notObjects)('a payload that is %s is refused', async (_name, payload) => {
      await rejectsOn(
        () =>
          coordinator.sendMessage(sender, agent, {
            messageType: MessageType.EVENT,
            payload,
          } as never),
        'message.payload',
      );
    });

    it('a BigInt inside the payload is refused as not serialisable', async () => {
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event({ n: BigInt(1) })),
        /^message\.payload/,
      );
    });

    it('unknown fields, bad enums and hostile routing are refused', async () => {
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, { ...event(), extra: 1 } as never),
        /^message/,
      );
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event({}, { priority: 7 as MessagePriority })),
        'message.priority',
      );
      await rejectsOn(
        () =>
          coordinator.sendMessage(sender, agent, event({}, { messageType: 'drop' as MessageType })),
        'message.messageType',
      );
      await rejectsOn(
        () =>
          coordinator.sendMessage(
            sender,
            agent,
            event({}, { routing: { tags: Array.from({ length: 1000 }, () => 't') } }),
          ),
        /^message\.routing/,
      );
      await rejectsOn(
        () => coordinator.sendMessage(sender, agent, event({}, { timestamp: 'yesterday' })),
        'message.timestamp',
      );
      await rejectsOn(() => coordinator.sendMessage(sender, agent, null as never), 'message');
      expect(await coordinator.stats(agent)).toEqual({
        ready: 0,
        delayed: 0,
        reserved: 0,
        deadLettered: 0,
      });
    });
  });

  it.each([
    ['a space', 'a b'],
    ['a hash tag', '{x}'],
    ['a glob', 'ao*'],
    ['an empty string', ''],
    ['65 characters', 'p'.repeat(65)],
  ])('a key prefix with %s is refused with ConfigurationError', (_name, keyPrefix) => {
    expect(() => new RedisMessageCoordinator(client, { keyPrefix })).toThrow(ConfigurationError);
  });

  describe('malformed bodies planted in Redis by hand', () => {
    const agent = { type: 'planted' };
    const planted: [string, string, string][] = [
      ['no header', 'plant-a1', 'garbage'],
      ['a header but no JSON', 'plant-a2', '1700000000000:5:not json {'],
      ['JSON that is not an array', 'plant-a3', '1700000000000:5:{"a":1}'],
      ['an unknown format version', 'plant-a4', '1700000000000:5:[2,"plant-a4"]'],
      ['an unknown message type', 'plant-a5', '1700000000000:5:[1,"x/y","shout",{}]'],
      ['a payload that is an array', 'plant-a6', '1700000000000:5:[1,"x/y","event",[1]]'],
      ['a sender with a hash tag', 'plant-a7', '1700000000000:5:[1,"{x/y}","event",{}]'],
      ['an unknown priority', 'plant-a8', '1700000000000:7:[1,"x/y","event",{}]'],
      ['an empty value', 'plant-a9', ''],
      // The fake interprets Lua in JS, where a megabyte takes seconds: a smaller heap there.
      ['a heap of garbage', 'plant-b1', `1700000000000:5:${'['.repeat(GARBAGE_BYTES)}`],
      ['an id with a space', 'bad id', '1700000000000:5:[1,"x/y","event",{},1]'],
      ['an id with a hash tag', '{planted/default}', 'garbage'],
      [
        'a valid body filed under an id with a space',
        'bad id 2',
        '1700000000000:5:[1,"x/y","event",{},1700000000000]',
      ],
      ['a 10 KB id', `p${TEN_KB}`, 'garbage'],
    ];

    let row = 0;
    afterEach(async () => {
      // Rows stay independent even when one fails: drop whatever a row left in the queue.
      const queue = keys.queue(agent);
      await client.del(queue.dead, queue.bodies, queue.attempts, queue.errors, queue.dedup);
      await client.del(queue.reserved, queue.delayed, ...Object.values(queue.ready));
    });

    it.each(planted)(
      'a body with %s is dead-lettered with the parse error; the consumer carries on',
      async (name, id, body) => {
        // ioredis-mock hands an empty string to Lua as false, i.e. as a missing body.
        if (backend === 'mock' && body === '') return;
        const queue = keys.queue(agent);
        const after = `after-${++row}`;
        await client.hset(queue.bodies, id, body);
        await client.rpush(queue.ready[5], id);
        await client.sadd(keys.queueIndex, 'planted/default');
        await coordinator.sendMessage(sender, agent, event({ name }, { messageId: after }));
        // The consumer gets the good message next; receive never throws for the planted one.
        const delivery = await coordinator.receive(agent, 60_000);
        expect(delivery?.queueMessage.message.messageId).toBe(after);
        expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
        // Dead-lettered at once, not left reserved to lapse and cycle through retries.
        expect(await client.zrange(queue.dead, 0, -1)).toEqual([id]);
        const dead = await coordinator.deadLetters(agent);
        expect(dead).toHaveLength(1);
        expect(dead[0].lastError).toMatch(/^malformed message body/);
        expect(await coordinator.stats(agent)).toEqual({
          ready: 0,
          delayed: 0,
          reserved: 0,
          deadLettered: 1,
        });
        expect(await coordinator.purgeDeadLetters(agent)).toBe(1);
      },
    );

    // ioredis-mock hands an empty string to Lua as false: real Redis only.
    itRealRedis(
      'an empty id is left to lapse (its token cannot even be split); the next message is served',
      async () => {
        const queue = keys.queue(agent);
        await client.hset(queue.bodies, '', '1700000000000:5:[1,"x/y","event",{}]');
        await client.rpush(queue.ready[5], '');
        await coordinator.sendMessage(sender, agent, event({}, { messageId: 'after-empty' }));
        const delivery = await coordinator.receive(agent, 60_000);
        expect(delivery?.queueMessage.message.messageId).toBe('after-empty');
        expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
        // Still reserved under its odd token, for recovery to count and finally dead-letter.
        expect(await client.zcard(queue.reserved)).toBe(1);
        expect(await coordinator.stats(agent)).toMatchObject({ ready: 0, reserved: 1 });
      },
    );

    it('a ready id with no body is skipped; the next message is served', async () => {
      const queue = keys.queue(agent);
      await client.rpush(queue.ready[9], 'orphan-1');
      await coordinator.sendMessage(sender, agent, event({}, { messageId: 'after-2' }));
      const delivery = await coordinator.receive(agent, 60_000);
      expect(delivery?.queueMessage.message.messageId).toBe('after-2');
      expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
      expect(await client.llen(queue.ready[9])).toBe(0);
    });

    it('a planted body with an own __proto__ payload key pollutes nothing', async () => {
      const queue = keys.queue(agent);
      const body = `1700000000000:5:[1,"x/y","event",{"__proto__":{"polluted":true}}]`;
      await client.hset(queue.bodies, 'plant-p1', body);
      await client.rpush(queue.ready[5], 'plant-p1');
      const delivery = await coordinator.receive(agent, 60_000);
      if (delivery) await coordinator.ack(agent, delivery.token);
      else
        expect((await coordinator.deadLetters(agent)).map((d) => d.message.messageId)).toEqual([
          'plant-p1',
        ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await coordinator.purgeDeadLetters(agent);
    });
  });

  it('global recovery and queue listing over a polluted queue index stay inside the prefix', async () => {
    for (const member of ['{x}/y', '*', 'a:b/c', `${TEN_KB}/x`, 'victim', '../../etc'])
      await client.sadd(keys.queueIndex, member);
    await expect(coordinator.recoverPending()).resolves.toBeGreaterThanOrEqual(0);
    const listed = await coordinator.listQueues();
    expect(listed).toContainEqual(victim);
    for (const id of listed) expect(id.type).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
  });
});
