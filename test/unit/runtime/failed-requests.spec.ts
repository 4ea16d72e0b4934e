import {
  ErrorCode,
  FailureType,
  MessageType,
  PermanentMessageError,
  silentLogger,
  ValidationError,
  type AgentMessage,
  type MessageCoordinator,
  type ReceivedMessage,
} from '../../../lib';
import type { AgentHandlerSet, MessageHandledEvent } from '../../../lib/runtime';
import { resolveWorkerOptions } from '../../../lib/runtime/agent-worker.options';
import { expiryOf, MessageDispatcher } from '../../../lib/runtime/message.dispatcher';
import { ERROR_REPLY_TAG } from '../../../lib/messaging/error-reply';

/** Deadlines and the error RESPONSE of a REQUEST that fails for good. */

const AGENT = { type: 'a', instance: 'default' };
const CALLER = { type: '_replies', instance: 'c1' };
const VISIBILITY_MS = 1_000;

/** A coordinator stub: nack dead-letters permanent failures, or everything when `exhausted`. */
function fakeCoordinator(exhausted = false) {
  const calls = {
    ack: jest.fn().mockResolvedValue(true),
    extend: jest.fn().mockResolvedValue(true),
    nack: jest.fn(
      (
        _agent: unknown,
        _token: string,
        failure: FailureType,
      ): Promise<'retried' | 'dead-lettered' | false> =>
        Promise.resolve(
          exhausted || failure === FailureType.PERMANENT ? 'dead-lettered' : 'retried',
        ),
    ),
    sendMessage: jest.fn().mockResolvedValue({ messageId: 'x', delivered: true }),
  };
  return { coordinator: calls as unknown as MessageCoordinator, calls };
}

/** A delivery reserved at `reservedAt` (Redis clock) with a visibility of VISIBILITY_MS. */
function delivery(
  message: Partial<AgentMessage> = {},
  reservedAt = Date.parse('2030-01-01T00:00:10.000Z'),
): ReceivedMessage {
  return {
    token: 'tok-1',
    visibilityDeadline: new Date(reservedAt + VISIBILITY_MS).toISOString(),
    queueMessage: {
      priority: 5,
      enqueuedAt: new Date(reservedAt).toISOString(),
      deliveryAttempts: 0,
      message: {
        messageId: 'req-000001',
        sender: { type: 's', instance: 'default' },
        recipient: AGENT,
        messageType: MessageType.REQUEST,
        payload: { n: 1 },
        correlationId: 'corr-000001',
        replyTo: CALLER,
        ...message,
      },
    },
  };
}

async function dispatch(
  handler: ((payload: unknown) => unknown) | undefined,
  d: ReceivedMessage,
  coordinator: MessageCoordinator,
) {
  const handled: MessageHandledEvent[] = [];
  const handlers: AgentHandlerSet = {
    handlerFor: () => (handler ? { handle: (payload) => handler(payload) } : undefined),
    handles: handler ? 'request' : 'none',
  };
  const options = resolveWorkerOptions({
    agent: AGENT,
    visibilityTimeoutMs: VISIBILITY_MS,
    logger: silentLogger,
    instrumentation: { handled: (e) => handled.push(e) },
  });
  await new MessageDispatcher(coordinator, options, handlers).dispatch(
    d,
    new AbortController().signal,
    (token) => coordinator.ack(AGENT, token),
  );
  return handled[0];
}

/** The error RESPONSE the dispatcher sent, checked for its envelope. */
function errorReplyOf(calls: ReturnType<typeof fakeCoordinator>['calls']) {
  expect(calls.sendMessage).toHaveBeenCalledTimes(1);
  const [from, to, response] = calls.sendMessage.mock.calls[0] as [unknown, unknown, AgentMessage];
  expect(from).toEqual(AGENT);
  expect(to).toEqual(CALLER);
  expect(response).toMatchObject({
    messageId: 'reply.req-000001',
    messageType: MessageType.RESPONSE,
    correlationId: 'corr-000001',
    routing: { tags: [ERROR_REPLY_TAG] },
  });
  expect(response.payload.responder).toBe('a/default');
  return response.payload.error as { code: string; message: string };
}

describe('deadlines', () => {
  it('dead-letters a message reserved past its expiresAt as expired, without running the handler', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const handler = jest.fn();
    // Reserved at 00:00:10 on the Redis clock; the deadline was 00:00:09.
    const event = await dispatch(
      handler,
      delivery({ expiresAt: '2030-01-01T00:00:09.000Z' }),
      coordinator,
    );
    expect(handler).not.toHaveBeenCalled();
    expect(calls.ack).not.toHaveBeenCalled();
    expect(calls.nack).toHaveBeenCalledWith(
      AGENT,
      'tok-1',
      FailureType.PERMANENT,
      expect.stringMatching(/^expired: /),
    );
    expect(event).toMatchObject({ outcome: 'dead-lettered', handled: false, failed: false });
    const error = errorReplyOf(calls);
    expect(error.code).toBe(ErrorCode.MESSAGE_EXPIRED);
    expect(error.message).toMatch(/^expired: its deadline 2030-01-01T00:00:09.000Z passed/);
  });

  it('judges by the reservation time on the Redis clock, not the local clock', () => {
    // The local clock is long past the deadline; Redis reserved the message before it.
    const reservedAt = Date.parse('2030-01-01T00:00:10.000Z');
    expect(
      expiryOf(delivery({ expiresAt: '2030-01-01T00:00:11.000Z' }, reservedAt), VISIBILITY_MS),
    ).toBeUndefined();
    expect(
      expiryOf(delivery({ expiresAt: '2030-01-01T00:00:10.000Z' }, reservedAt), VISIBILITY_MS),
    ).toBeUndefined();
    expect(
      expiryOf(delivery({ expiresAt: '2030-01-01T00:00:09.999Z' }, reservedAt), VISIBILITY_MS),
    ).toMatch(/^expired: .* reserved at 2030-01-01T00:00:10.000Z \(Redis clock\)$/);
    expect(expiryOf(delivery({}, reservedAt), VISIBILITY_MS)).toBeUndefined();
  });

  it('runs a message still within its deadline', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const handler = jest.fn().mockReturnValue({ ok: true });
    await dispatch(handler, delivery({ expiresAt: '2030-01-01T00:00:11.000Z' }), coordinator);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(calls.ack).toHaveBeenCalled();
    expect((calls.sendMessage.mock.calls[0] as unknown[])[2]).not.toHaveProperty('routing');
  });
});

describe('failed requests answer with an error RESPONSE', () => {
  it('on a permanent error: the handler error code and message', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const event = await dispatch(
      () => {
        throw new PermanentMessageError('cannot charge');
      },
      delivery(),
      coordinator,
    );
    expect(event).toMatchObject({ outcome: 'dead-lettered', failed: true });
    expect(errorReplyOf(calls)).toEqual({
      code: ErrorCode.PERMANENT_MESSAGE,
      message: 'cannot charge',
    });
  });

  it('on a validation error: VALIDATION_FAILED', async () => {
    const { coordinator, calls } = fakeCoordinator();
    await dispatch(
      () => {
        throw new ValidationError('payload.n', 'isPositive', 'must be > 1');
      },
      delivery(),
      coordinator,
    );
    expect(errorReplyOf(calls)).toEqual({
      code: ErrorCode.VALIDATION_FAILED,
      message: 'Invalid payload.n: must be > 1 (rule: isPositive)',
    });
  });

  it('once retries are exhausted: HANDLER_FAILED', async () => {
    const { coordinator, calls } = fakeCoordinator(true);
    const event = await dispatch(() => Promise.reject(new Error('flaky')), delivery(), coordinator);
    expect(calls.nack).toHaveBeenCalledWith(AGENT, 'tok-1', FailureType.TRANSIENT, 'Error: flaky');
    expect(event).toMatchObject({ outcome: 'dead-lettered' });
    expect(errorReplyOf(calls)).toEqual({ code: ErrorCode.HANDLER_FAILED, message: 'flaky' });
  });

  it('when no handler takes it: NO_HANDLER', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const event = await dispatch(undefined, delivery(), coordinator);
    expect(event).toMatchObject({ outcome: 'dead-lettered', handled: false });
    const error = errorReplyOf(calls);
    expect(error.code).toBe(ErrorCode.NO_HANDLER);
    expect(error.message).toMatch(/^no handler for message type "request"/);
  });

  it('a retried failure sends nothing', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const event = await dispatch(() => Promise.reject(new Error('flaky')), delivery(), coordinator);
    expect(event).toMatchObject({ outcome: 'retried' });
    expect(calls.sendMessage).not.toHaveBeenCalled();
  });

  it('a dead-lettered EVENT or a REQUEST without replyTo sends nothing', async () => {
    const { coordinator, calls } = fakeCoordinator();
    const fail = () => Promise.reject(new PermanentMessageError('no'));
    await dispatch(fail, delivery({ messageType: MessageType.EVENT }), coordinator);
    await dispatch(fail, delivery({ replyTo: undefined }), coordinator);
    expect(calls.nack).toHaveBeenCalledTimes(2);
    expect(calls.sendMessage).not.toHaveBeenCalled();
  });

  it('a lost or failed nack sends nothing', async () => {
    const lost = fakeCoordinator();
    lost.calls.nack.mockResolvedValue(false);
    const fail = () => Promise.reject(new PermanentMessageError('no'));
    expect(await dispatch(fail, delivery(), lost.coordinator)).toMatchObject({
      outcome: 'unsettled',
    });
    const broken = fakeCoordinator();
    broken.calls.nack.mockRejectedValue(new Error('redis down'));
    expect(await dispatch(fail, delivery(), broken.coordinator)).toMatchObject({
      outcome: 'unsettled',
    });
    expect(lost.calls.sendMessage).not.toHaveBeenCalled();
    expect(broken.calls.sendMessage).not.toHaveBeenCalled();
  });

  it('reports an error RESPONSE that was not delivered or failed, the message staying dead-lettered', async () => {
    const fail = () => Promise.reject(new PermanentMessageError('no'));
    const full = fakeCoordinator();
    full.calls.sendMessage.mockResolvedValue({
      messageId: 'x',
      delivered: false,
      error: 'queue full',
    });
    expect(await dispatch(fail, delivery(), full.coordinator)).toMatchObject({
      outcome: 'dead-lettered',
      error: 'PermanentMessageError: no; error reply not delivered: queue full',
    });
    const down = fakeCoordinator();
    down.calls.sendMessage.mockRejectedValue(new Error('redis down'));
    expect(await dispatch(fail, delivery(), down.coordinator)).toMatchObject({
      outcome: 'dead-lettered',
      error: 'PermanentMessageError: no; error reply failed: Error: redis down',
    });
    // A duplicate means an answer already went out (an earlier delivery): nothing to report.
    const dup = fakeCoordinator();
    dup.calls.sendMessage.mockResolvedValue({ messageId: 'x', delivered: false, duplicate: true });
    expect(await dispatch(fail, delivery(), dup.coordinator)).toMatchObject({
      error: 'PermanentMessageError: no',
    });
  });
});
