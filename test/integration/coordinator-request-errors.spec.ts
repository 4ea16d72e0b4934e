import { MessageType, type AgentId } from '../../lib/messaging';
import { ERROR_REPLY_TAG } from '../../lib/messaging/error-reply';
import {
  AgentRequestError,
  ErrorCode,
  RequestTimeoutError,
  ValidationError,
  isAgentRequestError,
} from '../../lib/errors';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

/** Deadlines on messages, error RESPONSEs and timeouts naming the request, on the coordinator. */
describe('RedisMessageCoordinator: deadlines and failed requests', () => {
  const fx = new CoordinatorFixture('reqerr');
  const requester = fx.coordinator();
  const responderSide = fx.coordinator();

  afterAll(() => fx.teardown());

  /** Takes the next message of `agent`, waiting for it. */
  async function next(agent: AgentId) {
    for (;;) {
      const delivery = await responderSide.receive(agent, 5_000, { waitMs: 100 });
      if (delivery) return delivery;
    }
  }

  it('a request times out naming its message id', async () => {
    const agent = { type: 'silent-worker' };
    const error = (await requester
      .request(planner, agent, event({}, { messageId: 'req-named-000001' }), { timeoutMs: 50 })
      .catch((e: unknown) => e)) as RequestTimeoutError;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.messageId).toBe('req-named-000001');
    expect(error.message).toMatch(
      /^No response to request message req-named-000001 \(correlation /,
    );
    // A generated id is named as well: the one the responder's queue holds.
    const generated = (await requester
      .request(planner, agent, event(), { timeoutMs: 50 })
      .catch((e: unknown) => e)) as RequestTimeoutError;
    await next(agent);
    const queued = await next(agent);
    expect(generated.messageId).toBe(queued.queueMessage.message.messageId);
    expect(generated.message).toContain(queued.queueMessage.message.messageId);
  });

  it("a request carries its caller's deadline as expiresAt, or the one given", async () => {
    const agent = { type: 'deadline-worker' };
    const before = Date.now();
    void requester.request(planner, agent, event(), { timeoutMs: 30_000 }).catch(() => undefined);
    const sent = (await next(agent)).queueMessage.message;
    const deadline = Date.parse(sent.expiresAt!);
    expect(deadline).toBeGreaterThanOrEqual(before + 30_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 30_000);
    void requester
      .request(planner, agent, event({}, { expiresAt: '2031-01-01T00:00:00+01:00' }), {
        timeoutMs: 30_000,
      })
      .catch(() => undefined);
    expect((await next(agent)).queueMessage.message.expiresAt).toBe('2030-12-31T23:00:00.000Z');
  });

  it('expiresAt travels with a sent message; one Date.parse cannot read is refused', async () => {
    const agent = { type: 'deadline-events' };
    await responderSide.sendMessage(
      planner,
      agent,
      event({}, { expiresAt: '2030-01-01T00:00:00Z' }),
    );
    expect((await next(agent)).queueMessage.message.expiresAt).toBe('2030-01-01T00:00:00.000Z');
    for (const expiresAt of ['soon', '2026-W01-1', 42]) {
      const sent = responderSide.sendMessage(
        planner,
        agent,
        event({}, { expiresAt: expiresAt as string }),
      );
      await expect(sent).rejects.toBeInstanceOf(ValidationError);
      await expect(sent).rejects.toMatchObject({ field: 'message.expiresAt' });
    }
  });

  it('an error RESPONSE rejects the request at once with AgentRequestError', async () => {
    const agent = { type: 'failing-worker', instance: 'w1' };
    const started = Date.now();
    const pending = requester.request(planner, agent, event(), { timeoutMs: 30_000 });
    const request = (await next(agent)).queueMessage.message;
    await responderSide.sendMessage(agent, request.replyTo!, {
      messageType: MessageType.RESPONSE,
      correlationId: request.correlationId,
      routing: { tags: [ERROR_REPLY_TAG] },
      payload: { error: { code: ErrorCode.NO_HANDLER, message: 'nobody home' } },
    });
    const error = (await pending.catch((e: unknown) => e)) as AgentRequestError;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(isAgentRequestError(error)).toBe(true);
    expect(isAgentRequestError(new Error('x'))).toBe(false);
    expect(error).toMatchObject({
      code: ErrorCode.NO_HANDLER,
      message: 'nobody home',
      responder: { type: 'failing-worker', instance: 'w1' },
      requestId: request.messageId,
      retryable: false,
    });
  });

  it('a marked RESPONSE without a readable error fails as HANDLER_FAILED; an unmarked one with an error field resolves', async () => {
    const agent = { type: 'odd-worker' };
    const pending = requester.request(planner, agent, event(), { timeoutMs: 30_000 });
    const request = (await next(agent)).queueMessage.message;
    await responderSide.sendMessage(agent, request.replyTo!, {
      messageType: MessageType.RESPONSE,
      correlationId: request.correlationId,
      routing: { tags: [ERROR_REPLY_TAG] },
      payload: { error: 'broken' },
    });
    await expect(pending).rejects.toMatchObject({
      code: ErrorCode.HANDLER_FAILED,
      message: 'odd-worker/default failed the request',
    });
    const ok = requester.request(planner, agent, event(), { timeoutMs: 30_000 });
    const second = (await next(agent)).queueMessage.message;
    await responderSide.reply(agent, second, { error: { code: 'X', message: 'a result' } });
    expect((await ok).payload).toEqual({ error: { code: 'X', message: 'a result' } });
  });
});
