import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ConfigurationError,
  MessageType,
  ValidationError,
  type AgentMessage,
  type CoordinatorInstrumentation,
  type MessageSentEvent,
  type OutgoingMessage,
  type OutgoingSend,
} from '../../lib';
import { KeyLayout } from '../../lib/common/key-layout';
import { errorOf } from '../support/errors';
import { RecordingLogger } from '../support/logger';
import { CoordinatorFixture, EMPTY_QUEUE, drainIds, event, planner } from './coordinator-fixture';

const fx = new CoordinatorFixture('instrumentation');
afterAll(() => fx.teardown());

/** What the hooks saw, in order. */
interface Seen {
  sends: OutgoingSend[];
  settled: unknown[];
  sent: MessageSentEvent[];
}

/**
 * Hooks that record what they see and tag each message they pass on with `seen=<operation>`,
 * so a test can tell the message that reached Redis went through the hook.
 */
function recordingHooks(): { hooks: CoordinatorInstrumentation; seen: Seen } {
  const seen: Seen = { sends: [], settled: [], sent: [] };
  const hooks: CoordinatorInstrumentation = {
    async aroundSend(send, run) {
      seen.sends.push(send);
      const tags = [...(send.message.routing?.tags ?? []), `seen=${send.operation}`];
      try {
        const result = await run({ ...send.message, routing: { ...send.message.routing, tags } });
        seen.settled.push(result);
        return result;
      } catch (error) {
        seen.settled.push(error);
        throw error;
      }
    },
    sent(event) {
      seen.sent.push(event);
    },
  };
  return { hooks, seen };
}

async function receiveOne(
  coordinator: ReturnType<CoordinatorFixture['coordinator']>,
  agent: { type: string },
): Promise<AgentMessage> {
  const delivery = await coordinator.receive(agent, 30_000);
  expect(delivery).not.toBeNull();
  expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
  return delivery!.queueMessage.message;
}

describe('RedisMessageCoordinator instrumentation: aroundSend and sent', () => {
  const { hooks, seen } = recordingHooks();
  const coordinator = fx.coordinator({ instrumentation: hooks });
  const a = { type: 'ins-a' };
  const b = { type: 'ins-b', instance: 'b1' };

  beforeEach(() => {
    seen.sends.length = 0;
    seen.settled.length = 0;
    seen.sent.length = 0;
  });

  it('wraps a send: the hook sees the call as given and the message it passes on is stored', async () => {
    const message = event({ n: 1 }, { routing: { tags: ['keep'] }, correlationId: 'conv-1' });
    const result = await coordinator.sendMessage(planner, a, message);
    expect(result.delivered).toBe(true);
    expect(seen.sends).toEqual([{ operation: 'send', sender: planner, recipient: a, message }]);
    // The caller's message object itself is left alone.
    expect(message.routing).toEqual({ tags: ['keep'] });
    expect(seen.settled).toEqual([result]);
    expect(seen.sent).toEqual([
      {
        sender: planner,
        recipient: { type: 'ins-a', instance: 'default' },
        messageId: result.messageId,
        messageType: MessageType.EVENT,
        correlationId: 'conv-1',
        result,
      },
    ]);
    const stored = await receiveOne(coordinator, a);
    expect(stored.routing).toEqual({ tags: ['keep', 'seen=send'] });
    expect(stored.payload).toEqual({ n: 1 });
  });

  it('tells `sent` about every outcome: a duplicate and a full queue are not delivered', async () => {
    const small = fx.coordinator({ instrumentation: hooks, queueSize: 1 });
    const first = await small.sendMessage(planner, b, event({}, { messageId: 'ins-dup-1' }));
    const again = await small.sendMessage(planner, b, event({}, { messageId: 'ins-dup-1' }));
    const full = await small.sendMessage(planner, b, event({}, { messageId: 'ins-full-1' }));
    expect(seen.sent.map((e) => [e.messageId, e.result])).toEqual([
      ['ins-dup-1', { messageId: 'ins-dup-1', delivered: true }],
      ['ins-dup-1', again],
      ['ins-full-1', full],
    ]);
    expect(first.delivered).toBe(true);
    expect(again).toMatchObject({ delivered: false, duplicate: true });
    expect(full).toMatchObject({ delivered: false, error: 'queue full' });
    // No correlation id, no field.
    expect('correlationId' in seen.sent[0]).toBe(false);
    expect(await drainIds(small, b)).toEqual(['ins-dup-1']);
  });

  it('tells `sent` about a send Redis refused', async () => {
    const prefix = `${fx.prefix}.other-layout`;
    await fx.client.set(new KeyLayout(prefix).layout, '99');
    const stranger = fx.coordinator({ keyPrefix: prefix, instrumentation: hooks });
    const result = await stranger.sendMessage(planner, a, event());
    expect(result.delivered).toBe(false);
    expect(result.error).toMatch(/^redis error/);
    expect(seen.sent.map((e) => e.result)).toEqual([result]);
  });

  it('wraps each message of a batch side by side, then sends the batch once', async () => {
    const scope = new AsyncLocalStorage<number>();
    const outer: number[] = [];
    const calls: OutgoingSend[] = [];
    const sideBySide = fx.coordinator({
      instrumentation: {
        aroundSend(send, run) {
          // A hook opened inside another's run would see that one's scope (a child span).
          outer.push(scope.getStore() ?? -1);
          calls.push(send);
          return scope.run(calls.length, () => run(send.message));
        },
        sent: (e) => seen.sent.push(e),
      },
    });
    const batch = [
      { recipient: a, message: event({ i: 0 }) },
      { recipient: b, message: event({ i: 1 }) },
      { recipient: a, message: event({ i: 2 }) },
    ];
    const results = await sideBySide.sendMessages(planner, batch);
    expect(results.map((r) => r.delivered)).toEqual([true, true, true]);
    expect(outer).toEqual([-1, -1, -1]);
    expect(calls).toEqual(
      batch.map(({ recipient, message }) => ({
        operation: 'send',
        sender: planner,
        recipient,
        message,
      })),
    );
    expect(seen.sent.map((e) => e.result)).toEqual(results);
    expect(await drainIds(sideBySide, a)).toEqual([results[0].messageId, results[2].messageId]);
    expect(await drainIds(sideBySide, b)).toEqual([results[1].messageId]);
  });

  it('hands each hook of a batch the result of its own message, from one round trip', async () => {
    const enqueue = jest.spyOn(
      coordinator as unknown as { enqueue: (batch: unknown[]) => Promise<unknown> },
      'enqueue',
    );
    try {
      const results = await coordinator.sendMessages(planner, [
        { recipient: a, message: event({ i: 0 }) },
        { recipient: b, message: event({ i: 1 }) },
      ]);
      expect(enqueue).toHaveBeenCalledTimes(1);
      expect(seen.settled).toEqual(results);
      expect(seen.sends.map((s) => s.recipient)).toEqual([a, b]);
      expect((await receiveOne(coordinator, a)).routing?.tags).toEqual(['seen=send']);
      expect((await receiveOne(coordinator, b)).routing?.tags).toEqual(['seen=send']);
    } finally {
      enqueue.mockRestore();
    }
  });

  it('wraps a broadcast once, without a recipient; `sent` hears of each copy', async () => {
    const message = event({ all: true });
    const results = await coordinator.broadcastMessage(planner, message, [a, b]);
    expect(seen.sends).toEqual([{ operation: 'broadcast', sender: planner, message }]);
    expect(seen.settled).toEqual([results]);
    expect(seen.sent.map((e) => [e.recipient, e.result])).toEqual([
      [{ type: 'ins-a', instance: 'default' }, results[0]],
      [b, results[1]],
    ]);
    expect((await receiveOne(coordinator, a)).routing?.tags).toEqual(['seen=broadcast']);
    expect((await receiveOne(coordinator, b)).routing?.tags).toEqual(['seen=broadcast']);
  });

  it('wraps a publish once, with the message as given (its type not yet defaulted)', async () => {
    const subscription = await coordinator.subscribeToMessages(a, [MessageType.EVENT]);
    try {
      const untyped = { payload: { p: 1 } } as unknown as OutgoingMessage;
      const results = await coordinator.publish(planner, untyped);
      expect(results.map((r) => r.delivered)).toEqual([true]);
      expect(seen.sends).toEqual([{ operation: 'publish', sender: planner, message: untyped }]);
      expect(seen.sent.map((e) => e.messageType)).toEqual([MessageType.EVENT]);
      const stored = await receiveOne(coordinator, a);
      expect(stored).toMatchObject({ messageType: MessageType.EVENT, payload: { p: 1 } });
      expect(stored.routing?.tags).toEqual(['seen=publish']);
    } finally {
      await coordinator.unsubscribe(subscription.subscriptionId);
    }
  });

  it('wraps a request until its response arrives; the reply is a send of its own', async () => {
    const answered = coordinator.receive(a, 30_000, { waitMs: 5_000 }).then(async (delivery) => {
      const request = delivery!.queueMessage.message;
      await coordinator.reply(a, request, { answer: 42 });
      expect(await coordinator.ack(a, delivery!.token)).toBe(true);
      return request;
    });
    const response = await coordinator.request(planner, a, event({ q: 1 }), { timeoutMs: 5_000 });
    const request = await answered;
    expect(response.payload).toEqual({ answer: 42 });
    expect(request.routing?.tags).toEqual(['seen=request']);
    expect(seen.sends[0]).toEqual({
      operation: 'request',
      sender: planner,
      recipient: a,
      message: { ...event({ q: 1 }), messageType: MessageType.REQUEST },
    });
    // The request's hook settled last, with the response; the reply went through as a send.
    expect(seen.sends.map((s) => s.operation)).toEqual(['request', 'send']);
    expect(seen.sends[1].recipient).toEqual(request.replyTo);
    expect(seen.settled.at(-1)).toBe(response);
    expect(seen.sent.map((e) => e.messageType)).toEqual([
      MessageType.REQUEST,
      MessageType.RESPONSE,
    ]);
  });

  it('lets the hook see a validation error thrown by run, and sends nothing', async () => {
    const bad = event({}, { messageId: 'x' });
    await expect(coordinator.sendMessage(planner, a, bad)).rejects.toBeInstanceOf(ValidationError);
    expect(seen.sends).toHaveLength(1);
    expect(seen.settled[0]).toBeInstanceOf(ValidationError);
    await expect(
      coordinator.sendMessages(planner, [
        { recipient: a, message: event() },
        { recipient: a, message: bad },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(seen.settled.slice(1).map((e) => e instanceof ValidationError)).toEqual([true, true]);
    expect(seen.sent).toEqual([]);
    expect(await coordinator.stats(a)).toEqual(EMPTY_QUEUE);
  });

  it('skips the hook for messages that are not objects, and for malformed or empty batches', async () => {
    const refused = async (call: () => Promise<unknown>) =>
      expect(call()).rejects.toBeInstanceOf(ValidationError);
    const nothing = null as unknown as OutgoingMessage;
    await refused(() => coordinator.sendMessage(planner, a, nothing));
    await refused(() => coordinator.broadcastMessage(planner, nothing, [a]));
    await refused(() => coordinator.request(planner, a, nothing, { timeoutMs: 100 }));
    await refused(() => coordinator.publish(planner, nothing));
    await refused(() => coordinator.sendMessages(planner, {} as never));
    await refused(() => coordinator.sendMessages(planner, [null as never]));
    await refused(() => coordinator.sendMessages(planner, [{ recipient: a } as never]));
    expect(await coordinator.sendMessages(planner, [])).toEqual([]);
    expect(seen.sends).toEqual([]);
  });
});

describe('RedisMessageCoordinator instrumentation: hooks that break the contract', () => {
  const a = { type: 'ins-contract' };
  const logger = new RecordingLogger();

  it('logs what `sent` throws and still reports the send as delivered', async () => {
    let calls = 0;
    const coordinator = fx.coordinator({
      logger,
      instrumentation: {
        sent() {
          calls += 1;
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw calls === 1 ? new Error('metrics down') : 'not an Error';
        },
      },
    });
    const one = await coordinator.sendMessage(planner, a, event({}, { messageId: 'ins-sent-1' }));
    const two = await coordinator.sendMessage(planner, a, event({}, { messageId: 'ins-sent-2' }));
    expect([one.delivered, two.delivered]).toEqual([true, true]);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'instrumentation.sent failed on message ins-sent-1: metrics down',
        error: new Error('metrics down'),
      },
      {
        level: 'warn',
        message: 'instrumentation.sent failed on message ins-sent-2: "not an Error"',
        error: undefined,
      },
    ]);
    expect(await drainIds(coordinator, a)).toEqual(['ins-sent-1', 'ins-sent-2']);
  });

  it('fails the whole batch, sending nothing, when one hook throws before it runs its message', async () => {
    const ran: unknown[] = [];
    const coordinator = fx.coordinator({
      instrumentation: {
        aroundSend(send, run) {
          if (send.message.payload.fail) throw new Error('hook failed');
          return run(send.message).catch((error: unknown) => {
            ran.push(error);
            throw error;
          });
        },
      },
    });
    await expect(
      coordinator.sendMessages(planner, [
        { recipient: a, message: event({}) },
        { recipient: a, message: event({ fail: true }) },
        { recipient: a, message: event({}) },
      ]),
    ).rejects.toThrow('hook failed');
    // The hooks that did run their message hear why it was not sent.
    expect(ran).toEqual([new Error('hook failed'), new Error('hook failed')]);
    expect(await coordinator.stats(a)).toEqual(EMPTY_QUEUE);
  });

  it('fails the batch when a hook settles without running its message', async () => {
    const coordinator = fx.coordinator({
      instrumentation: {
        aroundSend: <T>(send: OutgoingSend, run: (m: OutgoingMessage) => Promise<T>) =>
          send.message.payload.skip ? Promise.resolve(undefined as T) : run(send.message),
      },
    });
    await expect(
      coordinator.sendMessages(planner, [
        { recipient: a, message: event({}) },
        { recipient: a, message: event({ skip: true }) },
      ]),
    ).rejects.toMatchObject({ field: 'instrumentation.aroundSend', rule: 'callsRunOnce' });
    expect(await coordinator.stats(a)).toEqual(EMPTY_QUEUE);
  });

  it('refuses a second run of the same batch message, and sends it once', async () => {
    const second: unknown[] = [];
    const coordinator = fx.coordinator({
      instrumentation: {
        async aroundSend(send, run) {
          const result = await run(send.message);
          second.push(await run(send.message).catch((error: unknown) => error));
          return result;
        },
      },
    });
    const results = await coordinator.sendMessages(planner, [
      { recipient: a, message: event({}, { messageId: 'ins-twice-1' }) },
    ]);
    expect(results).toEqual([{ messageId: 'ins-twice-1', delivered: true }]);
    expect(second).toEqual([expect.any(ConfigurationError)]);
    expect(second[0]).toMatchObject({ rule: 'callsRunOnce' });
    expect(await drainIds(coordinator, a)).toEqual(['ins-twice-1']);
  });

  it.each<[string, unknown]>([
    ['instrumentation', 'hooks'],
    ['instrumentation', null],
    ['instrumentation.aroundSend', { aroundSend: 'span' }],
    ['instrumentation.sent', { sent: 42 }],
  ])('refuses a bad option: %s', (field, instrumentation) => {
    const error = errorOf(ConfigurationError, () =>
      fx.coordinator({ instrumentation: instrumentation as CoordinatorInstrumentation }),
    );
    expect(error.field).toBe(field);
  });
});

describe('RedisMessageCoordinator without instrumentation', () => {
  it('behaves as before: every message is stored as it was sent', async () => {
    const agent = { type: 'ins-none' };
    const message = event({ n: 1 }, { routing: { tags: ['t'] } });
    for (const instrumentation of [undefined, {}]) {
      const coordinator = fx.coordinator({ instrumentation });
      const results = [
        await coordinator.sendMessage(planner, agent, message),
        ...(await coordinator.sendMessages(planner, [{ recipient: agent, message }])),
        ...(await coordinator.broadcastMessage(planner, message, [agent])),
      ];
      expect(results.map((r) => r.delivered)).toEqual([true, true, true]);
      for (let i = 0; i < 3; i++) {
        const stored = await receiveOne(coordinator, agent);
        expect(stored.routing).toEqual({ tags: ['t'] });
        expect(stored.payload).toEqual({ n: 1 });
      }
    }
  });
});
