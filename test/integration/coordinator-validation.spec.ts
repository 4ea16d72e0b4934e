import {
  type MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  type AgentId,
  type CoordinatorLimits,
  type OutgoingMessage,
  type RedisMessageCoordinatorOptions,
  type RoutingKey,
} from '../../lib/messaging';
import {
  ConfigurationError,
  ErrorCode,
  PayloadTooLargeError,
  ValidationError,
  isAgentCoordinationError,
  isValidationError,
} from '../../lib/errors';
import { keysUnder } from '../support/redis';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

type Coordinator = RedisMessageCoordinator;

interface BadInput {
  name: string;
  call: (c: Coordinator) => Promise<unknown>;
  field: string;
  rule: string;
  code?: ErrorCode;
}

const worker: AgentId = { type: 'worker' };
const send = (message: unknown, sender: unknown = planner, recipient: unknown = worker) => {
  return (c: Coordinator) =>
    c.sendMessage(sender as AgentId, recipient as AgentId, message as OutgoingMessage);
};
const withType = (type: unknown) => send(event(), { type });

const badInputs: BadInput[] = [
  // Agent ids.
  { name: 'a ":" in a type', call: withType('a:b'), field: 'sender.type', rule: 'matches' },
  { name: 'a "{" in a type', call: withType('a{b'), field: 'sender.type', rule: 'matches' },
  { name: 'a "*" in a type', call: withType('a*'), field: 'sender.type', rule: 'matches' },
  { name: 'an empty type', call: withType(''), field: 'sender.type', rule: 'matches' },
  { name: 'a 65-char type', call: withType('a'.repeat(65)), field: 'sender.type', rule: 'matches' },
  { name: 'a unicode type', call: withType('agént'), field: 'sender.type', rule: 'matches' },
  { name: 'a type that is a number', call: withType(7), field: 'sender.type', rule: 'matches' },
  {
    name: 'a "/" in an instance',
    call: send(event(), planner, { type: 'worker', instance: 'a/b' }),
    field: 'recipient.instance',
    rule: 'matches',
  },
  {
    name: 'a missing type',
    call: send(event(), {}),
    field: 'sender.type',
    rule: 'isDefined',
  },
  {
    name: 'a sender that is a string',
    call: send(event(), 'planner'),
    field: 'sender',
    rule: 'isObject',
  },
  {
    name: 'a null recipient',
    call: send(event(), planner, null),
    field: 'recipient',
    rule: 'isObject',
  },
  {
    name: 'an unknown field in an agent id',
    call: send(event(), { type: 'planner', role: 'x' }),
    field: 'sender.role',
    rule: 'whitelistValidation',
  },
  {
    name: 'a __proto__ key in an agent id',
    call: send(event(), JSON.parse('{"type":"planner","__proto__":{"type":"x"}}')),
    field: 'sender.__proto__',
    rule: 'noPrototypeKeys',
  },
  // Messages.
  { name: 'a null message', call: send(null), field: 'message', rule: 'isObject' },
  {
    name: 'a missing messageType',
    call: send({ payload: {} }),
    field: 'message.messageType',
    rule: 'isDefined',
  },
  {
    name: 'messageType "foo"',
    call: send(event({}, { messageType: 'foo' as MessageType })),
    field: 'message.messageType',
    rule: 'isEnum',
  },
  {
    name: 'priority 7',
    call: send(event({}, { priority: 7 as MessagePriority })),
    field: 'message.priority',
    rule: 'isIn',
  },
  {
    name: 'priority "HIGH"',
    call: send(event({}, { priority: 'HIGH' as never })),
    field: 'message.priority',
    rule: 'isIn',
  },
  {
    name: 'a 5-char messageId',
    call: send(event({}, { messageId: 'abcde' })),
    field: 'message.messageId',
    rule: 'matches',
  },
  {
    name: 'a messageId with a space',
    call: send(event({}, { messageId: 'abc def' })),
    field: 'message.messageId',
    rule: 'matches',
  },
  {
    name: 'a 129-char messageId',
    call: send(event({}, { messageId: 'm'.repeat(129) })),
    field: 'message.messageId',
    rule: 'matches',
  },
  {
    name: 'a timestamp that is not ISO-8601',
    call: send(event({}, { timestamp: 'yesterday' })),
    field: 'message.timestamp',
    rule: 'isIso8601',
  },
  {
    name: 'a bad correlationId',
    call: send(event({}, { correlationId: 'x' })),
    field: 'message.correlationId',
    rule: 'matches',
  },
  {
    name: 'a bad replyTo',
    call: send(event({}, { replyTo: { type: 'a:b' } })),
    field: 'message.replyTo.type',
    rule: 'matches',
  },
  {
    name: 'routing tags that are not an array',
    call: send(event({}, { routing: { tags: 'a' as never } })),
    field: 'message.routing.tags',
    rule: 'isArray',
  },
  {
    name: 'an unknown message field',
    call: send({ ...event(), colour: 'red' }),
    field: 'message.colour',
    rule: 'whitelistValidation',
  },
  {
    name: 'a __proto__ key on the message',
    call: send(JSON.parse('{"messageType":"event","payload":{},"__proto__":{"priority":9}}')),
    field: 'message.__proto__',
    rule: 'noPrototypeKeys',
  },
  {
    name: 'a __proto__ key in routing',
    call: send(
      event({}, { routing: JSON.parse('{"tags":[],"__proto__":{"topic":"x"}}') as RoutingKey }),
    ),
    field: 'message.routing.__proto__',
    rule: 'noPrototypeKeys',
  },
  // Payloads.
  {
    name: 'a missing payload',
    call: send({ messageType: 'event' }),
    field: 'message.payload',
    rule: 'isObject',
  },
  {
    name: 'an array payload',
    call: send(event([] as never)),
    field: 'message.payload',
    rule: 'isObject',
  },
  {
    name: 'a string payload',
    call: send(event('hi' as never)),
    field: 'message.payload',
    rule: 'isObject',
  },
  {
    name: 'a null payload',
    call: send(event(null as never)),
    field: 'message.payload',
    rule: 'isObject',
  },
  {
    name: 'a number payload',
    call: send(event(3 as never)),
    field: 'message.payload',
    rule: 'isObject',
  },
  {
    name: 'a __proto__ key in the payload',
    call: send(event(JSON.parse('{"__proto__":{"admin":true}}') as Record<string, unknown>)),
    field: 'message.payload.__proto__',
    rule: 'noPrototypeKeys',
  },
  {
    name: 'a nested __proto__ key in the payload',
    call: send(event({ a: [JSON.parse('{"__proto__":{}}')] })),
    field: 'message.payload.a[0].__proto__',
    rule: 'noPrototypeKeys',
  },
  {
    name: 'a payload that JSON cannot hold',
    call: send(event({ n: BigInt(1) })),
    field: 'message.payload',
    rule: 'isJson',
  },
  {
    name: 'a payload over maxPayloadBytes',
    call: send(event({ text: 'x'.repeat(200) })),
    field: 'message.payload',
    rule: 'maxPayloadBytes',
    code: ErrorCode.PAYLOAD_TOO_LARGE,
  },
  {
    name: 'a payload nested deeper than maxPayloadDepth',
    call: send(event({ a: { b: { c: { d: {} } } } })),
    field: 'message.payload.a.b.c',
    rule: 'maxPayloadDepth',
  },
  // Other entry points.
  {
    name: 'broadcast to something that is not an array',
    call: (c) => c.broadcastMessage(planner, event(), worker as never),
    field: 'recipients',
    rule: 'isArray',
  },
  {
    name: 'broadcast with one bad recipient',
    call: (c) => c.broadcastMessage(planner, event(), [worker, { type: 'a b' }]),
    field: 'recipients[1].type',
    rule: 'matches',
  },
  {
    name: 'publish of type "foo"',
    call: (c) => c.publish(planner, event({}, { messageType: 'foo' as MessageType })),
    field: 'message.messageType',
    rule: 'isEnum',
  },
  {
    name: 'subscribe to no types',
    call: (c) => c.subscribeToMessages(worker, []),
    field: 'types',
    rule: 'arrayNotEmpty',
  },
  {
    name: 'subscribe to type "foo"',
    call: (c) => c.subscribeToMessages(worker, [MessageType.EVENT, 'foo' as MessageType]),
    field: 'types[1]',
    rule: 'isEnum',
  },
  {
    name: 'subscribe with a bad agent',
    call: (c) => c.subscribeToMessages({ type: '*' }, [MessageType.EVENT]),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'unsubscribe with a bad id',
    call: (c) => c.unsubscribe('no such id!'),
    field: 'subscriptionId',
    rule: 'matches',
  },
  {
    name: 'receive for a bad agent',
    call: (c) => c.receive({ type: 'a:b' }),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'receive with visibility 0',
    call: (c) => c.receive(worker, 0),
    field: 'visibilityTimeoutMs',
    rule: 'range',
    code: ErrorCode.INVALID_CONFIG,
  },
  {
    name: 'receive with a fractional visibility',
    call: (c) => c.receive(worker, 1.5),
    field: 'visibilityTimeoutMs',
    rule: 'isInt',
    code: ErrorCode.INVALID_CONFIG,
  },
  {
    name: 'receive with a negative wait',
    call: (c) => c.receive(worker, 1_000, { waitMs: -1 }),
    field: 'waitMs',
    rule: 'range',
    code: ErrorCode.INVALID_CONFIG,
  },
  {
    name: 'ack of a number',
    call: (c) => c.ack(worker, 5 as never),
    field: 'token',
    rule: 'matches',
  },
  {
    name: 'ack of a made-up token',
    call: (c) => c.ack(worker, 'x:y:z'),
    field: 'token',
    rule: 'matches',
  },
  {
    name: 'ack for a bad agent',
    call: (c) => c.ack({ type: '' }, '1:0:abcdef'),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'extend with visibility 0',
    call: (c) => c.extend(worker, '1:0:abcdef', 0),
    field: 'visibilityTimeoutMs',
    rule: 'range',
    code: ErrorCode.INVALID_CONFIG,
  },
  {
    name: 'recoverPending for a bad agent',
    call: (c) => c.recoverPending({ type: 'a{b}' }),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'request with a bad recipient',
    call: (c) => c.request(planner, { type: 'x y' }, event(), { timeoutMs: 100 }),
    field: 'recipient.type',
    rule: 'matches',
  },
  {
    name: 'stats for a bad agent',
    call: (c) => c.stats({ type: 'ü' }),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'deadLetters for a bad agent',
    call: (c) => c.deadLetters({ type: 'a', instance: '' }),
    field: 'agentId.instance',
    rule: 'matches',
  },
  {
    name: 'replay for a bad agent',
    call: (c) => c.replayDeadLetters({ type: ':' }),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'purge for a bad agent',
    call: (c) => c.purgeDeadLetters({ type: '{x}' }),
    field: 'agentId.type',
    rule: 'matches',
  },
  {
    name: 'oldestReadyAt for a bad agent',
    call: (c) => c.oldestReadyAt({ type: '' }),
    field: 'agentId.type',
    rule: 'matches',
  },
];

const fx = new CoordinatorFixture('validation');

afterAll(() => fx.teardown());

describe('RedisMessageCoordinator: bad input', () => {
  const coordinator = fx.coordinator({ maxPayloadBytes: 100, maxPayloadDepth: 3 });

  it.each(badInputs)(
    '$name: typed error naming $field ($rule)',
    async ({ call, field, rule, code }) => {
      const error = (await Promise.resolve()
        .then(() => call(coordinator))
        .then(
          () => undefined,
          (e: unknown) => e,
        )) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(isValidationError(error)).toBe(true);
      expect(isAgentCoordinationError(error)).toBe(true);
      expect({ field: error.field, rule: error.rule }).toEqual({ field, rule });
      expect(error.code).toBe(code ?? ErrorCode.VALIDATION_FAILED);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(field);
    },
  );

  it('wrote nothing to Redis for any of them', async () => {
    expect(await keysUnder(fx.client, fx.prefix)).toEqual([]);
  });

  it('the default payload cap is 1 MiB', async () => {
    const roomy = fx.coordinator({ keyPrefix: `${fx.prefix}.cap` });
    const error = (await roomy
      .sendMessage(planner, worker, event({ text: 'x'.repeat(1024 * 1024) }))
      .catch((e: unknown) => e)) as PayloadTooLargeError;
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.limit).toBe(1024 * 1024);
    expect(error.size).toBeGreaterThan(1024 * 1024);
    expect(await keysUnder(fx.client, `${fx.prefix}.cap`)).toEqual([]);
    // Just under the cap is fine.
    const fits = await roomy.sendMessage(
      planner,
      worker,
      event({ text: 'x'.repeat(1024 * 1024 - 20) }),
    );
    expect(fits.delivered).toBe(true);
  });
});

describe('RedisMessageCoordinator: options and configure()', () => {
  it('starts from the documented defaults', async () => {
    const plain = new RedisMessageCoordinator(fx.client);
    expect(plain.limits).toEqual(fx.coordinator().limits);
    await plain.close();
    expect(fx.coordinator().limits).toEqual({
      queueSize: 10_000,
      retryAttempts: 3,
      backoffBaseMs: 1_000,
      backoffFactor: 2,
      backoffMaxMs: 30_000,
      jitter: 'full',
      dedupWindowMs: 600_000,
    });
  });

  it('takes the limits in the constructor and changes them with configure()', () => {
    const c = fx.coordinator({ queueSize: 5, jitter: 'equal', retryAttempts: undefined });
    expect(c.limits).toMatchObject({ queueSize: 5, jitter: 'equal', retryAttempts: 3 });
    c.configure({ retryAttempts: 7, backoffBaseMs: 10, backoffMaxMs: 20, backoffFactor: 1.5 });
    expect(c.limits).toMatchObject({
      queueSize: 5,
      retryAttempts: 7,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      backoffFactor: 1.5,
    });
  });

  const badLimits: [Partial<CoordinatorLimits>, string][] = [
    [{ queueSize: 0 }, 'queueSize'],
    [{ queueSize: 1.5 }, 'queueSize'],
    [{ queueSize: '10' as never }, 'queueSize'],
    [{ retryAttempts: -1 }, 'retryAttempts'],
    [{ retryAttempts: 1001 }, 'retryAttempts'],
    [{ dedupWindowMs: -1 }, 'dedupWindowMs'],
    [{ backoffBaseMs: -1 }, 'backoff.baseDelayMs'],
    [{ backoffFactor: 0.5 }, 'backoff.factor'],
    [{ backoffMaxMs: 10, backoffBaseMs: 100 }, 'backoff.maxDelayMs'],
    [{ backoffMaxMs: Number.NaN }, 'backoff.maxDelayMs'],
    [{ jitter: 'some' as never }, 'backoff.jitter'],
  ];

  it.each(badLimits)('configure(%p) throws a ConfigurationError naming %s', (limits, field) => {
    const c = fx.coordinator();
    const before = c.limits;
    const error = (() => {
      try {
        c.configure(limits);
        return undefined;
      } catch (e) {
        return e;
      }
    })() as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.field).toBe(field);
    expect(error.code).toBe(ErrorCode.INVALID_CONFIG);
    // A refused change leaves the limits as they were.
    expect(c.limits).toEqual(before);
    // The constructor refuses the same.
    expect(() => fx.coordinator(limits)).toThrow(ConfigurationError);
  });

  const badOptions: [RedisMessageCoordinatorOptions, string][] = [
    [{ keyPrefix: '' }, 'keyPrefix'],
    [{ keyPrefix: 'a b' }, 'keyPrefix'],
    [{ keyPrefix: 'a{b}' }, 'keyPrefix'],
    [{ keyPrefix: 'p'.repeat(65) }, 'keyPrefix'],
    [{ maxPayloadBytes: 1 }, 'maxPayloadBytes'],
    [{ maxPayloadDepth: 0 }, 'maxPayloadDepth'],
    [{ pollIntervalMs: 0 }, 'pollIntervalMs'],
    [{ recoverBatchSize: 0 }, 'recoverBatchSize'],
  ];

  it.each(badOptions)('new RedisMessageCoordinator(%p) names %s', (options, field) => {
    expect(() => new RedisMessageCoordinator(fx.client, options)).toThrow(
      expect.objectContaining({ field, code: ErrorCode.INVALID_CONFIG }) as Error,
    );
  });
});
