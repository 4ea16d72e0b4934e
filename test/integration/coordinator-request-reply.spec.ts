import {
  MessageType,
  type AgentId,
  type ReceivedMessage,
  type RedisMessageCoordinator,
} from '../../lib/messaging';
import { REPLY_INBOX_TYPE } from '../../lib/messaging/reply-inbox';
import {
  ClosedError,
  ErrorCode,
  OperationAbortedError,
  RedisOperationError,
  RequestTimeoutError,
  isRequestTimeoutError,
} from '../../lib/errors';
import { waitFor } from '../support/wait';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: request / reply', () => {
  const fx = new CoordinatorFixture('reqrep');
  const requester = fx.coordinator();
  const responderSide = fx.coordinator();
  const worker: AgentId = { type: 'answering-worker' };
  let serving = true;
  let answered = 0;

  /** A worker that answers each request with `{ echo, by }`, via reply(). */
  const responder = (async () => {
    while (serving) {
      const delivery = await responderSide.receive(worker, 5_000, { waitMs: 50 });
      if (!delivery) continue;
      const request = delivery.queueMessage.message;
      if (request.payload.ignore !== true) {
        const result = await responderSide.reply(worker, request, {
          echo: request.payload,
          by: 'worker',
        });
        expect(result.delivered).toBe(true);
        answered++;
      }
      await responderSide.ack(worker, delivery.token);
    }
  })();

  /** The next message for `agent`, waiting for it to arrive (the responder side). */
  async function receiveSoon(agent: AgentId): Promise<ReceivedMessage> {
    for (;;) {
      const delivery = await responderSide.receive(agent, 5_000, { waitMs: 100 });
      if (delivery) return delivery;
    }
  }

  afterAll(async () => {
    serving = false;
    await responder;
    await fx.teardown();
  });

  it('round trip: the RESPONSE with the same correlation id comes back', async () => {
    const response = await requester.request(planner, worker, event({ question: 42 }), {
      timeoutMs: 5_000,
    });
    expect(response.messageType).toBe(MessageType.RESPONSE);
    expect(response.payload).toEqual({ echo: { question: 42 }, by: 'worker' });
    expect(response.sender).toEqual({ type: 'answering-worker', instance: 'default' });
    expect(response.recipient.type).toBe(REPLY_INBOX_TYPE);
    expect(response.correlationId).toEqual(expect.any(String));
  });

  it('sends a REQUEST carrying correlationId and replyTo; keeps a given correlation id', async () => {
    const silent = { type: 'silent-worker' };
    const pending = requester.request(
      planner,
      silent,
      event({ q: 1 }, { correlationId: 'corr-given-1' }),
      { timeoutMs: 2_000 },
    );
    const request = (await receiveSoon(silent)).queueMessage.message;
    expect(request.messageType).toBe(MessageType.REQUEST);
    expect(request.correlationId).toBe('corr-given-1');
    expect(request.replyTo?.type).toBe(REPLY_INBOX_TYPE);
    // Answering by hand, as any client could.
    await responderSide.sendMessage(silent, request.replyTo!, {
      messageType: MessageType.RESPONSE,
      correlationId: 'corr-given-1',
      payload: { manual: true },
    });
    expect((await pending).payload).toEqual({ manual: true });
  });

  it('concurrent requests each get their own answer', async () => {
    const questions = Array.from({ length: 8 }, (_, n) => n);
    const answers = await Promise.all(
      questions.map((n) => requester.request(planner, worker, event({ n }), { timeoutMs: 5_000 })),
    );
    expect(answers.map((a) => a.payload.echo)).toEqual(questions.map((n) => ({ n })));
  });

  it('rejects with a typed RequestTimeoutError when no answer comes', async () => {
    const started = Date.now();
    const before = answered;
    const error = (await requester
      .request(planner, worker, event({ ignore: true }), { timeoutMs: 150 })
      .catch((e: unknown) => e)) as RequestTimeoutError;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(isRequestTimeoutError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    expect(error.retryable).toBe(true);
    expect(error.timeoutMs).toBe(150);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(2_000);
    expect(answered).toBe(before);
    // The inbox keeps working after a timeout.
    const ok = await requester.request(planner, worker, event({ after: 'timeout' }), {
      timeoutMs: 5_000,
    });
    expect(ok.payload.echo).toEqual({ after: 'timeout' });
  });

  it('a late answer to a timed-out request is dropped, not delivered to the next one', async () => {
    const slow = { type: 'slow-worker' };
    await expect(
      requester.request(planner, slow, event({ first: true }), { timeoutMs: 100 }),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
    const first = await responderSide.receive(slow, 5_000);
    const second = requester.request(planner, slow, event({ second: true }), { timeoutMs: 3_000 });
    await responderSide.reply(slow, first!.queueMessage.message, { answer: 'late' });
    const next = await receiveSoon(slow);
    await responderSide.reply(slow, next.queueMessage.message, { answer: 'second' });
    expect((await second).payload).toEqual({ answer: 'second' });
  });

  it('ignores what arrives in the inbox that is no RESPONSE to a waiting request', async () => {
    const silent = { type: 'inbox-noise' };
    const pending = requester.request(planner, silent, event(), { timeoutMs: 5_000 });
    const request = (await receiveSoon(silent)).queueMessage.message;
    const inbox = request.replyTo!;
    // An EVENT, a RESPONSE without correlation id, and one for nobody: all dropped.
    await responderSide.sendMessage(silent, inbox, event({ noise: 1 }));
    await responderSide.sendMessage(silent, inbox, {
      messageType: MessageType.RESPONSE,
      payload: { noise: 2 },
    });
    await responderSide.sendMessage(silent, inbox, {
      messageType: MessageType.RESPONSE,
      correlationId: 'nobody-waits',
      payload: { noise: 3 },
    });
    await responderSide.reply(silent, request, { real: true });
    expect((await pending).payload).toEqual({ real: true });
  });

  it('stops waiting when its signal fires', async () => {
    const controller = new AbortController();
    const pending = requester.request(planner, { type: 'nobody' }, event(), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    // Aborted while it waits for the answer, once the request is queued.
    await waitFor('the request to be queued', async () =>
      (await requester.stats({ type: 'nobody' })).ready === 1 ? true : undefined,
    );
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it('rejects at once when the request cannot be queued', async () => {
    const narrow = fx.coordinator({ queueSize: 1 });
    const full = { type: 'full-worker' };
    await narrow.sendMessage(planner, full, event());
    const started = Date.now();
    const error = (await narrow
      .request(planner, full, event(), { timeoutMs: 20_000 })
      .catch((e: unknown) => e)) as RedisOperationError;
    expect(error).toBeInstanceOf(RedisOperationError);
    expect(error.message).toContain('queue full');
    // Not after waiting for the answer: generous bound, loaded CI.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('validates its options and refuses to reply to a message without replyTo', async () => {
    await expect(
      requester.request(planner, worker, event(), undefined as unknown as { timeoutMs: number }),
    ).rejects.toMatchObject({ field: 'timeoutMs' });
    await expect(
      requester.request(planner, worker, event(), { timeoutMs: 0 }),
    ).rejects.toMatchObject({ field: 'timeoutMs', rule: 'range' });
    await expect(
      responderSide.reply(
        worker,
        {
          messageId: 'no-reply-to',
          sender: planner,
          recipient: worker,
          messageType: MessageType.REQUEST,
          payload: {},
        },
        {},
      ),
    ).rejects.toMatchObject({ field: 'request.replyTo' });
  });

  it('reply falls back to the message id when the request has no correlation id', async () => {
    const inbox = { type: 'manual-inbox' };
    const result = await responderSide.reply(
      worker,
      {
        messageId: 'req-without-corr',
        sender: planner,
        recipient: worker,
        messageType: MessageType.REQUEST,
        payload: {},
        replyTo: inbox,
      },
      { ok: true },
    );
    expect(result.delivered).toBe(true);
    const got = await responderSide.receive(inbox);
    expect(got!.queueMessage.message).toMatchObject({
      messageType: MessageType.RESPONSE,
      correlationId: 'req-without-corr',
      payload: { ok: true },
    });
  });

  it('close() rejects waiting requests with ClosedError and refuses new ones', async () => {
    const closing: RedisMessageCoordinator = fx.coordinator();
    const pending = closing.request(planner, { type: 'never-answers' }, event(), {
      timeoutMs: 10_000,
    });
    const rejected = expect(pending).rejects.toBeInstanceOf(ClosedError);
    // Closed while the request waits for its answer, once it is queued.
    await waitFor('the request to be queued', async () =>
      (await closing.stats({ type: 'never-answers' })).ready === 1 ? true : undefined,
    );
    await closing.close();
    await rejected;
    await expect(
      closing.request(planner, worker, event(), { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({ code: ErrorCode.CLOSED });
  });
});
