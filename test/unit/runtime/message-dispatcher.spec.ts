import {
  FailureType,
  HandlerTimeoutError,
  MessageType,
  PermanentMessageError,
  ReservationLostError,
  silentLogger,
  ValidationError,
  type MessageCoordinator,
  type ReceivedMessage,
} from '../../../lib';
import type {
  AgentHandlerEntry,
  AgentHandlerSet,
  AgentMessageContext,
  AgentWorkerOptions,
  MessageHandledEvent,
} from '../../../lib/runtime';
import { resolveWorkerOptions } from '../../../lib/runtime/agent-worker.options';
import { defaultFailureOf } from '../../../lib/runtime/error-classification';
import { MessageDispatcher } from '../../../lib/runtime/message.dispatcher';
import { replyIdOf, toPayload } from '../../../lib/runtime/message-replies';

/** A hand-written coordinator that records calls; only what the dispatcher uses. */
function fakeCoordinator(overrides: Partial<Record<'extend' | 'ack' | 'nack', jest.Mock>> = {}) {
  const calls = {
    ack: overrides.ack ?? jest.fn().mockResolvedValue(true),
    nack:
      overrides.nack ??
      jest.fn((_agent: unknown, _token: string, failure: FailureType) =>
        Promise.resolve(failure === FailureType.PERMANENT ? 'dead-lettered' : 'retried'),
      ),
    extend: overrides.extend ?? jest.fn().mockResolvedValue(true),
    sendMessage: jest.fn().mockResolvedValue({ messageId: 'x', delivered: true }),
  };
  return { coordinator: calls as unknown as MessageCoordinator, calls };
}

function delivery(
  messageType: MessageType,
  extra: Record<string, unknown> = {},
  attempts = 0,
): ReceivedMessage {
  return {
    token: 'tok-1',
    visibilityDeadline: new Date().toISOString(),
    queueMessage: {
      priority: 5,
      enqueuedAt: new Date().toISOString(),
      deliveryAttempts: attempts,
      message: {
        messageId: 'msg-000001',
        sender: { type: 's', instance: 'default' },
        recipient: { type: 'a', instance: 'default' },
        messageType,
        payload: { n: 1 },
        ...extra,
      },
    },
  };
}

/** A handler as the tests write it: `invoke` and `options` as the Nest definitions had them. */
interface TestHandler {
  invoke?: (payload: unknown, context: AgentMessageContext) => Promise<unknown>;
  options?: { timeoutMs?: number; replyWithResult?: boolean };
}

/** An agent's handlers by message type, and its visibility timeout. */
interface TestAgent {
  handlers: AgentHandlerSet;
  options: Partial<AgentWorkerOptions>;
}

function agent(
  handlers: Partial<Record<MessageType, TestHandler>>,
  visibilityTimeoutMs = 30,
  options: Partial<AgentWorkerOptions> = {},
): TestAgent {
  const entries = new Map(
    Object.entries(handlers).map(([type, h]): [string, AgentHandlerEntry] => [
      type,
      {
        handle: (payload, context) =>
          (h.invoke ?? (() => Promise.resolve(undefined)))(payload, context),
        ...h.options,
      },
    ]),
  );
  return {
    handlers: {
      handlerFor: (message) => entries.get(message.messageType),
      handles: [...entries.keys()].join(', ') || 'none',
    },
    options: { visibilityTimeoutMs, ...options },
  };
}

const silent = silentLogger;

function dispatcherFor(def: TestAgent, coordinator: MessageCoordinator) {
  const handled: MessageHandledEvent[] = [];
  const options = resolveWorkerOptions({
    agent: { type: 'a' },
    logger: silent,
    instrumentation: { handled: (e) => handled.push(e) },
    ...def.options,
  });
  return { dispatcher: new MessageDispatcher(coordinator, options, def.handlers), handled };
}

async function dispatch(def: TestAgent, d: ReceivedMessage, coordinator: MessageCoordinator) {
  const { dispatcher, handled } = dispatcherFor(def, coordinator);
  await dispatcher.dispatch(d, new AbortController().signal, (token) =>
    coordinator.ack({ type: 'a', instance: 'default' }, token),
  );
  return handled[0];
}

describe('MessageDispatcher', () => {
  it('settles a handler that throws a value String() cannot convert, and one that throws text', async () => {
    const thrown = [Object.create(null) as object, 'plain text'];
    const events = [];
    for (const value of thrown) {
      const failing = agent({
        [MessageType.EVENT]: {
          invoke: () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error -- handlers may throw anything
            throw value;
          },
        },
      });
      events.push(
        await dispatch(failing, delivery(MessageType.EVENT), fakeCoordinator().coordinator),
      );
    }
    expect(events.map((e) => [e.outcome, e.error])).toEqual([
      ['retried', 'an object'],
      ['retried', 'plain text'],
    ]);
  });
  it("logs a retry at debug and a dead letter at warn, with the handler's error", async () => {
    const nope = new Error('nope');
    const failing = agent({ [MessageType.EVENT]: { invoke: () => Promise.reject(nope) } });
    const logger = { debug: jest.fn(), log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const withLogger = { ...failing, options: { ...failing.options, logger } };
    const retried = await dispatch(
      withLogger,
      delivery(MessageType.EVENT),
      fakeCoordinator().coordinator,
    );
    expect(retried.outcome).toBe('retried');
    expect(logger.debug.mock.calls).toEqual([
      ['a/default: message msg-000001 retried: Error: nope'],
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(retried).not.toHaveProperty('cause');
    const dead = fakeCoordinator({ nack: jest.fn().mockResolvedValue('dead-lettered') });
    await dispatch(withLogger, delivery(MessageType.EVENT, {}, 3), dead.coordinator);
    expect(logger.warn.mock.calls).toEqual([
      ['a/default: message msg-000001 dead-lettered: Error: nope', nope],
    ]);
    expect(logger.debug).toHaveBeenCalledTimes(1);
  });
  it('acks when the handler returns', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const event = await dispatch(
      agent({ [MessageType.EVENT]: {} }),
      delivery(MessageType.EVENT),
      coordinator,
    );
    expect(calls.ack).toHaveBeenCalledWith({ type: 'a', instance: 'default' }, 'tok-1');
    expect(calls.nack).not.toHaveBeenCalled();
    expect(event).toMatchObject({ outcome: 'acked', handled: true, failed: false, attempt: 1 });
  });

  it('answers a REQUEST with replyTo under a stable reply id, then acks', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const def = agent({ [MessageType.REQUEST]: { invoke: () => Promise.resolve(7) } });
    const d = delivery(MessageType.REQUEST, {
      replyTo: { type: 'r', instance: 'x' },
      correlationId: 'corr-000001',
    });
    await dispatch(def, d, coordinator);
    expect(calls.sendMessage).toHaveBeenCalledWith(
      { type: 'a', instance: 'default' },
      { type: 'r', instance: 'x' },
      {
        messageId: 'reply.msg-000001',
        messageType: MessageType.RESPONSE,
        correlationId: 'corr-000001',
        payload: { result: 7 },
        priority: 5,
      },
    );
    expect(calls.sendMessage.mock.invocationCallOrder[0]).toBeLessThan(
      calls.ack.mock.invocationCallOrder[0],
    );
  });

  it('nacks transient and reports the outcome the coordinator reports, never its own guess', async () => {
    const failing = agent({
      [MessageType.EVENT]: { invoke: () => Promise.reject(new Error('nope')) },
    });
    const first = fakeCoordinator();
    expect(
      await dispatch(failing, delivery(MessageType.EVENT, {}, 0), first.coordinator),
    ).toMatchObject({ outcome: 'retried', failed: true });
    expect(first.calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TRANSIENT,
      'Error: nope',
    );
    // The first delivery, yet the coordinator dead-lettered it (its own retry limit is 0).
    const last = fakeCoordinator({ nack: jest.fn().mockResolvedValue('dead-lettered') });
    expect(
      await dispatch(failing, delivery(MessageType.EVENT, {}, 0), last.coordinator),
    ).toMatchObject({ outcome: 'dead-lettered' });
  });

  it('dead-letters a message type without handler, naming the type and the handled ones', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const event = await dispatch(
      agent({ [MessageType.EVENT]: {} }),
      delivery(MessageType.RESPONSE),
      coordinator,
    );
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.PERMANENT,
      'no handler for message type "response" on agent a/default (it handles: event)',
    );
    expect(event).toMatchObject({ outcome: 'dead-lettered', handled: false });
  });

  it('extends the reservation while the handler runs', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const def = agent(
      { [MessageType.EVENT]: { invoke: () => new Promise((r) => setTimeout(r, 100)) } },
      30,
    );
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(calls.extend.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.extend).toHaveBeenCalledWith({ type: 'a', instance: 'default' }, 'tok-1', 30);
  });

  it('fires the signal with ReservationLostError when extend reports the reservation lost', async () => {
    const { coordinator, calls } = fakeCoordinator({
      extend: jest.fn().mockResolvedValue(false),
      ack: jest.fn().mockResolvedValue(false),
    });
    let reason: unknown;
    const def = agent(
      {
        [MessageType.EVENT]: {
          invoke: (_payload: unknown, ctx: AgentMessageContext) =>
            new Promise((resolve) =>
              ctx.signal.addEventListener('abort', () => resolve((reason = ctx.signal.reason))),
            ),
        },
      },
      15,
    );
    const event = await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(reason).toBeInstanceOf(ReservationLostError);
    expect(calls.ack).toHaveBeenCalled();
    expect(event).toMatchObject({ outcome: 'unsettled', error: 'reservation lost before ack' });
  });

  it('nacks as TIMEOUT once a handler past its timeoutMs fails, after aborting its signal', async () => {
    const { coordinator, calls } = fakeCoordinator();
    let abortedAt = 0;
    let settledAt = 0;
    const def = agent({
      [MessageType.EVENT]: {
        options: { timeoutMs: 20 },
        invoke: (_p: unknown, ctx: AgentMessageContext) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              abortedAt = Date.now();
              setTimeout(() => {
                settledAt = Date.now();
                reject(new Error('gave up'));
              }, 50);
            }),
          ),
      },
    });
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(abortedAt).toBeGreaterThan(0);
    // Settled only once the handler did, at least 50 ms after its signal fired.
    expect(settledAt - abortedAt).toBeGreaterThanOrEqual(45);
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TIMEOUT,
      expect.stringMatching(/timed out after 20 ms/),
    );
  });

  it('keeps extending past the timeout until the handler settles, and acks one that completes', async () => {
    const { coordinator, calls } = fakeCoordinator();
    let extensionsAtAbort = -1;
    const def = agent(
      {
        [MessageType.EVENT]: {
          options: { timeoutMs: 20 },
          invoke: (_p: unknown, ctx: AgentMessageContext) =>
            new Promise((resolve) =>
              ctx.signal.addEventListener('abort', () => {
                extensionsAtAbort = calls.extend.mock.calls.length;
                setTimeout(resolve, 120);
              }),
            ),
        },
      },
      30,
    );
    const event = await dispatch(def, delivery(MessageType.EVENT), coordinator);
    // The reservation (30 ms) was extended every 10 ms while the handler ran on past its limit.
    expect(calls.extend.mock.calls.length).toBeGreaterThanOrEqual(extensionsAtAbort + 3);
    expect(calls.nack).not.toHaveBeenCalled();
    expect(event).toMatchObject({ outcome: 'acked', failed: false });
  });

  it('stops extending once the reservation is lost after a timeout, keeping the timeout as the reason', async () => {
    let timedOut = false;
    const extend = jest.fn(() => Promise.resolve(!timedOut));
    const { coordinator } = fakeCoordinator({ extend });
    let reason: unknown;
    const def = agent(
      {
        [MessageType.EVENT]: {
          options: { timeoutMs: 20 },
          invoke: (_p: unknown, ctx: AgentMessageContext) =>
            new Promise((resolve) =>
              ctx.signal.addEventListener('abort', () => {
                timedOut = true;
                reason = ctx.signal.reason;
                setTimeout(resolve, 80);
              }),
            ),
        },
      },
      15,
    );
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(reason).toBeInstanceOf(HandlerTimeoutError);
    // Ticks every 5 ms for 80 ms after the timeout, but the first refused extension is the last.
    const results = await Promise.all(extend.mock.results.map((r) => r.value as Promise<boolean>));
    expect(results.filter((kept) => !kept)).toHaveLength(1);
    expect(results[results.length - 1]).toBe(false);
  });

  it('dead-letters a handler past its timeout that fails permanently', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const def = agent({
      [MessageType.EVENT]: {
        options: { timeoutMs: 5 },
        invoke: (_p: unknown, ctx: AgentMessageContext) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(new PermanentMessageError('no'))),
          ),
      },
    });
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.PERMANENT,
      'PermanentMessageError: no',
    );
  });
});

describe('dispatcher helpers', () => {
  it.each([
    [new PermanentMessageError('x'), FailureType.PERMANENT],
    [new ValidationError('f', 'r', 'd'), FailureType.PERMANENT],
    [new Error('x'), FailureType.TRANSIENT],
    ['a string', FailureType.TRANSIENT],
  ])('defaultFailureOf(%p) is %s', (error, failure) => {
    expect(defaultFailureOf(error)).toBe(failure);
  });

  it('toPayload keeps objects, empties nothing, wraps the rest', () => {
    expect(toPayload({ a: 1 })).toEqual({ a: 1 });
    expect(toPayload(undefined)).toEqual({});
    expect(toPayload(null)).toEqual({});
    expect(toPayload([1, 2])).toEqual({ result: [1, 2] });
    expect(toPayload('s')).toEqual({ result: 's' });
  });

  it('replyIdOf stays a valid message id for long ids', () => {
    expect(replyIdOf('abcdef')).toBe('reply.abcdef');
    const long = replyIdOf('x'.repeat(128));
    expect(long).toMatch(/^reply\.[0-9a-f]{64}$/);
    expect(replyIdOf('x'.repeat(128))).toBe(long);
  });
});

describe('MessageDispatcher settling when things go wrong', () => {
  const requestWithReply = () =>
    delivery(MessageType.REQUEST, { replyTo: { type: 'r', instance: 'x' } });
  const answering = agent({ [MessageType.REQUEST]: { invoke: () => Promise.resolve({ ok: 1 }) } });

  it('settles through the acknowledge it is given instead of ack', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const acknowledge = jest.fn().mockResolvedValue(true);
    const { dispatcher } = dispatcherFor(agent({ [MessageType.EVENT]: {} }), coordinator);
    await dispatcher.dispatch(
      delivery(MessageType.EVENT),
      new AbortController().signal,
      acknowledge,
    );
    expect(acknowledge).toHaveBeenCalledWith('tok-1');
    expect(calls.ack).not.toHaveBeenCalled();
  });

  it('retries a request whose reply was not delivered', async () => {
    const { coordinator, calls } = fakeCoordinator();
    calls.sendMessage.mockResolvedValue({ messageId: 'x', delivered: false, error: 'queue full' });
    const event = await dispatch(answering, requestWithReply(), coordinator);
    expect(calls.ack).not.toHaveBeenCalled();
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TRANSIENT,
      'reply not delivered: queue full',
    );
    expect(event).toMatchObject({ outcome: 'retried' });
  });

  it('acks a request whose reply was already sent (a duplicate)', async () => {
    const { coordinator, calls } = fakeCoordinator();
    calls.sendMessage.mockResolvedValue({ messageId: 'x', delivered: false, duplicate: true });
    expect(await dispatch(answering, requestWithReply(), coordinator)).toMatchObject({
      outcome: 'acked',
    });
  });

  it('nacks a request whose reply threw, by the kind of error', async () => {
    const { coordinator, calls } = fakeCoordinator();
    calls.sendMessage.mockRejectedValue(new ValidationError('payload', 'isObject', 'bad'));
    const event = await dispatch(answering, requestWithReply(), coordinator);
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.PERMANENT,
      expect.stringMatching(/^reply failed: ValidationError: /),
    );
    expect(event).toMatchObject({ outcome: 'dead-lettered' });
  });

  it('reports an ack that threw as unsettled', async () => {
    const { coordinator } = fakeCoordinator({ ack: jest.fn().mockRejectedValue('socket gone') });
    expect(
      await dispatch(agent({ [MessageType.EVENT]: {} }), delivery(MessageType.EVENT), coordinator),
    ).toMatchObject({ outcome: 'unsettled', error: 'ack failed: socket gone' });
  });

  it('reports a nack that found no reservation, or threw, as unsettled', async () => {
    const failing = agent({
      [MessageType.EVENT]: { invoke: () => Promise.reject(new Error('x')) },
    });
    const lost = fakeCoordinator({ nack: jest.fn().mockResolvedValue(false) });
    expect(await dispatch(failing, delivery(MessageType.EVENT), lost.coordinator)).toMatchObject({
      outcome: 'unsettled',
      error: 'reservation lost before nack (Error: x)',
    });
    const broken = fakeCoordinator({ nack: jest.fn().mockRejectedValue(new Error('down')) });
    expect(await dispatch(failing, delivery(MessageType.EVENT), broken.coordinator)).toMatchObject({
      outcome: 'unsettled',
      error: 'nack failed: Error: down (Error: x)',
    });
  });

  it('dead-letters every message of an agent that handles nothing, saying so', async () => {
    const { coordinator, calls } = fakeCoordinator();
    await dispatch(agent({}), delivery(MessageType.EVENT), coordinator);
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.PERMANENT,
      'no handler for message type "event" on agent a/default (it handles: none)',
    );
  });

  it('never runs two automatic extensions of one delivery at once', async () => {
    let running = 0;
    let peak = 0;
    const slowExtend = jest.fn(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 40));
      running -= 1;
      return true;
    });
    const { coordinator } = fakeCoordinator({ extend: slowExtend });
    const def = agent(
      { [MessageType.EVENT]: { invoke: () => new Promise((r) => setTimeout(r, 150)) } },
      15,
    );
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    // Ticks every 5 ms over 150 ms, but each extension takes 40 ms: they never overlap.
    expect(slowExtend.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(slowExtend.mock.calls.length).toBeLessThan(10);
    expect(peak).toBe(1);
  });

  it('keeps the handler running when an automatic extension fails', async () => {
    const { coordinator, calls } = fakeCoordinator({
      extend: jest.fn().mockRejectedValue(new Error('timeout')),
    });
    const def = agent(
      { [MessageType.EVENT]: { invoke: () => new Promise((r) => setTimeout(r, 60)) } },
      15,
    );
    const event = await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(calls.extend).toHaveBeenCalled();
    expect(event).toMatchObject({ outcome: 'acked', failed: false });
  });

  it('answers a context reply on a message without replyTo with a refusal, sending nothing', async () => {
    const { coordinator, calls } = fakeCoordinator();
    let answer: unknown;
    const def = agent({
      [MessageType.EVENT]: {
        invoke: async (_payload: unknown, ctx: AgentMessageContext) => {
          answer = await ctx.reply({ a: 1 });
        },
      },
    });
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(answer).toEqual({
      messageId: '',
      delivered: false,
      error: 'the message names no replyTo',
    });
    expect(calls.sendMessage).not.toHaveBeenCalled();
  });

  it.each([
    [new Error('plain text'), 'Error: plain text'],
    [{ toString: (): string => 'odd thing' }, 'odd thing'],
  ])('describes a handler failure %p in the dead letter', async (thrown, text) => {
    const { coordinator, calls } = fakeCoordinator();
    const def = agent({
      [MessageType.EVENT]: {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- handlers may reject with anything
        invoke: () => Promise.reject(thrown),
      },
    });
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(calls.nack).toHaveBeenCalledWith(expect.anything(), 'tok-1', expect.anything(), text);
  });
});

describe('MessageDispatcher options', () => {
  class QuotaExceeded extends Error {}

  it('lets classifyError map other error classes, and keeps the default rules for the rest', async () => {
    const classifyError = (error: unknown) =>
      error instanceof QuotaExceeded
        ? { failure: FailureType.PERMANENT, reason: 'quota exceeded for good' }
        : undefined;
    const throwing = (error: Error) =>
      agent({ [MessageType.EVENT]: { invoke: () => Promise.reject(error) } }, 30, {
        classifyError,
      });
    const mapped = fakeCoordinator();
    await dispatch(
      throwing(new QuotaExceeded('q')),
      delivery(MessageType.EVENT),
      mapped.coordinator,
    );
    expect(mapped.calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.PERMANENT,
      'quota exceeded for good',
    );
    const other = fakeCoordinator();
    await dispatch(throwing(new Error('flaky')), delivery(MessageType.EVENT), other.coordinator);
    expect(other.calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TRANSIENT,
      'Error: flaky',
    );
  });

  it('runs each handler inside the aroundHandler hook and reports received then handled', async () => {
    const { coordinator } = fakeCoordinator();
    const seen: string[] = [];
    const def = agent(
      {
        [MessageType.EVENT]: {
          invoke: () => {
            seen.push('handler');
            return Promise.resolve();
          },
        },
      },
      30,
      {
        instrumentation: {
          received: (event) => seen.push(`received ${event.messageId}`),
          aroundHandler: async (_agent, message, run) => {
            seen.push(`around ${message.messageId}`);
            return run();
          },
        },
      },
    );
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(seen).toEqual(['received msg-000001', 'around msg-000001', 'handler']);
  });
});
