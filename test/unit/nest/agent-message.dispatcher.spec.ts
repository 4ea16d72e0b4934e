import { BadRequestException, ForbiddenException, HttpException, Logger } from '@nestjs/common';
import {
  FailureType,
  MessageType,
  PermanentMessageError,
  ReservationLostError,
  ValidationError,
  type MessageCoordinator,
  type ReceivedMessage,
} from '../../../lib';
import { AgentTracing } from '../../../lib/nest/agent-coordination.tracing';
import type { AgentDefinition, AgentHandlerDefinition } from '../../../lib/nest/agent.definition';
import {
  AgentMessageDispatcher,
  failureOf,
  replyIdOf,
  toPayload,
} from '../../../lib/nest/agent-message.dispatcher';
import type { AgentMessageContext } from '../../../lib/nest/agent-message.context';
import {
  AgentMessageEvents,
  type MessageHandledEvent,
} from '../../../lib/nest/agent-message.events';
import { DEFAULT_CONSUMER_OPTIONS } from '../../../lib/nest/agent-coordination-options.resolver';

/** A hand-written coordinator that records calls; only what the dispatcher uses. */
function fakeCoordinator(overrides: Partial<Record<'extend' | 'ack' | 'nack', jest.Mock>> = {}) {
  const calls = {
    ack: overrides.ack ?? jest.fn().mockResolvedValue(true),
    nack: overrides.nack ?? jest.fn().mockResolvedValue(true),
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

function agent(
  handlers: Partial<Record<MessageType, Partial<AgentHandlerDefinition>>>,
  visibilityTimeoutMs = 30,
): AgentDefinition {
  return {
    agentId: { type: 'a', instance: 'default' },
    name: 'a',
    instance: {},
    options: { type: 'a' },
    consumer: { ...DEFAULT_CONSUMER_OPTIONS, visibilityTimeoutMs },
    handlers: new Map(
      Object.entries(handlers).map(([type, h]) => [
        type as MessageType,
        {
          methodName: 'm',
          options: {},
          invoke: () => Promise.resolve(undefined),
          ...h,
        },
      ]),
    ),
  };
}

async function dispatch(
  def: AgentDefinition,
  d: ReceivedMessage,
  coordinator: MessageCoordinator,
  retryAttempts = 3,
) {
  const events = new AgentMessageEvents();
  const handled: MessageHandledEvent[] = [];
  events.handled$.subscribe((e) => handled.push(e));
  const dispatcher = new AgentMessageDispatcher({
    coordinator,
    events,
    tracing: AgentTracing.create(null),
    retryAttempts: () => retryAttempts,
  });
  await dispatcher.dispatch(def, d, new AbortController().signal);
  return handled[0];
}

describe('AgentMessageDispatcher', () => {
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

  it('nacks transient, tells a retry from a dead letter by the attempt count', async () => {
    const failing = agent({
      [MessageType.EVENT]: { invoke: () => Promise.reject(new Error('nope')) },
    });
    const first = fakeCoordinator();
    expect(
      await dispatch(failing, delivery(MessageType.EVENT, {}, 0), first.coordinator, 1),
    ).toMatchObject({ outcome: 'retried', failed: true });
    expect(first.calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TRANSIENT,
      'Error: nope',
    );
    const last = fakeCoordinator();
    expect(
      await dispatch(failing, delivery(MessageType.EVENT, {}, 1), last.coordinator, 1),
    ).toMatchObject({ outcome: 'dead-lettered' });
  });

  it("logs a retry at debug and a dead letter at warn, with the handler error's stack", async () => {
    const nope = new Error('nope');
    const failing = agent({ [MessageType.EVENT]: { invoke: () => Promise.reject(nope) } });
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const first = fakeCoordinator();
      const retried = await dispatch(failing, delivery(MessageType.EVENT), first.coordinator, 1);
      expect(debug.mock.calls).toEqual([
        [`a/default: message msg-000001 retried: Error: nope\n${nope.stack}`],
      ]);
      expect(warn).not.toHaveBeenCalled();
      expect(retried).not.toHaveProperty('cause');
      const last = fakeCoordinator();
      await dispatch(failing, delivery(MessageType.EVENT, {}, 1), last.coordinator, 1);
      expect(warn.mock.calls).toEqual([
        [`a/default: message msg-000001 dead-lettered: Error: nope\n${nope.stack}`],
      ]);
      expect(debug).toHaveBeenCalledTimes(1);
    } finally {
      debug.mockRestore();
      warn.mockRestore();
    }
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

  it('nacks as TIMEOUT when a handler exceeds its timeoutMs, and aborts its signal', async () => {
    const { coordinator, calls } = fakeCoordinator();
    let aborted = false;
    const def = agent({
      [MessageType.EVENT]: {
        options: { timeoutMs: 20 },
        invoke: (_p: unknown, ctx: AgentMessageContext) =>
          new Promise((r) =>
            ctx.signal.addEventListener('abort', () => ((aborted = true), setTimeout(r, 50))),
          ),
      },
    });
    await dispatch(def, delivery(MessageType.EVENT), coordinator);
    expect(aborted).toBe(true);
    expect(calls.nack).toHaveBeenCalledWith(
      expect.anything(),
      'tok-1',
      FailureType.TIMEOUT,
      expect.stringMatching(/timed out after 20 ms/),
    );
  });
});

describe('dispatcher helpers', () => {
  it.each([
    [new PermanentMessageError('x'), FailureType.PERMANENT],
    [new ValidationError('f', 'r', 'd'), FailureType.PERMANENT],
    [new ForbiddenException(), FailureType.PERMANENT],
    [new BadRequestException(['a']), FailureType.PERMANENT],
    [new Error('x'), FailureType.TRANSIENT],
    ['a string', FailureType.TRANSIENT],
  ])('failureOf(%p) is %s', (error, failure) => {
    expect(failureOf(error)).toBe(failure);
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

describe('AgentMessageDispatcher settling when things go wrong', () => {
  const requestWithReply = () =>
    delivery(MessageType.REQUEST, { replyTo: { type: 'r', instance: 'x' } });
  const answering = agent({ [MessageType.REQUEST]: { invoke: () => Promise.resolve({ ok: 1 }) } });

  it('settles through the acknowledge it is given instead of ack', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const acknowledge = jest.fn().mockResolvedValue(true);
    const dispatcher = new AgentMessageDispatcher({
      coordinator,
      events: new AgentMessageEvents(),
      tracing: AgentTracing.create(null),
      retryAttempts: () => 3,
    });
    await dispatcher.dispatch(
      agent({ [MessageType.EVENT]: {} }),
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
    [new BadRequestException('plain text'), 'BadRequestException: plain text'],
    [new BadRequestException({ message: 42 }), 'BadRequestException: Bad Request Exception'],
    [new HttpException('teapot', 418), 'HttpException: teapot'],
    [new BadRequestException(['a', 'b']), 'BadRequestException: a; b'],
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
