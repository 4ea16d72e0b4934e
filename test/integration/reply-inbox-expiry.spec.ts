import { MessageType, type AgentId } from '../../lib/messaging';
import { REPLY_INBOX_TYPE } from '../../lib/messaging/reply-inbox';
import { silentLogger } from '../../lib/common/logger';
import { createClient } from '../support/redis';
import { waitFor } from '../support/wait';
import { CoordinatorFixture, planner } from './coordinator-fixture';

/**
 * Reply inboxes leave nothing behind: their keys carry a time to live, set by the inbox and by
 * every RESPONSE sent to it, they are deleted on close, and they are never in the queue index.
 */
describe('RedisMessageCoordinator: reply inbox expiry', () => {
  const fx = new CoordinatorFixture('inbox-ttl');
  const TTL_MS = 5_000;
  const responder = fx.coordinator({ replyInboxTtlMs: TTL_MS });
  const worker: AgentId = { type: 'inbox-ttl-worker' };

  afterAll(() => fx.teardown());

  /** Keys of one inbox that exist now, each with its PTTL. */
  async function inboxKeys(inbox: AgentId): Promise<Map<string, number>> {
    const pattern = `${fx.prefix}:{${REPLY_INBOX_TYPE}/${inbox.instance}}:*`;
    const found = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, keys] = await fx.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) found.set(key, await fx.client.pttl(key));
    } while (cursor !== '0');
    return found;
  }

  /** Answers one REQUEST of `worker`; the inbox it answered. */
  async function answerOne(): Promise<AgentId> {
    const delivery = await waitFor(
      'a request',
      async () => (await responder.receive(worker, 5_000)) ?? undefined,
      10_000,
    );
    const request = delivery.queueMessage.message;
    expect((await responder.reply(worker, request, { ok: true })).delivered).toBe(true);
    expect(await responder.ack(worker, delivery.token)).toBe(true);
    return request.replyTo!;
  }

  it('every key of a used inbox has a time to live, and close deletes them', async () => {
    const requester = fx.coordinator({ replyInboxTtlMs: TTL_MS });
    const [answer, inbox] = await Promise.all([
      requester.request(
        planner,
        worker,
        { messageType: MessageType.REQUEST, payload: { n: 1 } },
        { timeoutMs: 10_000 },
      ),
      answerOne(),
    ]);
    expect(answer.payload).toEqual({ ok: true });
    const keys = await inboxKeys(inbox);
    expect(keys.size).toBeGreaterThan(0);
    for (const [key, ttl] of keys) {
      expect([key, ttl > 0 && ttl <= TTL_MS]).toEqual([key, true]);
    }
    await requester.close();
    expect((await inboxKeys(inbox)).size).toBe(0);
  });

  it('an answer that comes after its requester closed expires with the inbox', async () => {
    const requester = fx.coordinator({ replyInboxTtlMs: TTL_MS });
    const unanswered = requester
      .request(
        planner,
        worker,
        { messageType: MessageType.REQUEST, payload: { n: 2 } },
        { timeoutMs: 10_000 },
      )
      .catch((error: Error) => error);
    const delivery = await waitFor(
      'a request',
      async () => (await responder.receive(worker, 5_000)) ?? undefined,
      10_000,
    );
    await requester.close();
    expect(await unanswered).toBeInstanceOf(Error);
    const inbox = delivery.queueMessage.message.replyTo!;
    expect((await inboxKeys(inbox)).size).toBe(0);
    // The late answer creates the inbox's keys again, each with the responder's time to live.
    const request = delivery.queueMessage.message;
    expect((await responder.reply(worker, request, { late: true })).delivered).toBe(true);
    const keys = await inboxKeys(inbox);
    expect(keys.size).toBeGreaterThan(0);
    for (const [key, ttl] of keys) {
      expect([key, ttl > 0 && ttl <= TTL_MS]).toEqual([key, true]);
    }
    expect(await responder.ack(worker, delivery.token)).toBe(true);
  });

  it('inboxes are not listed as queues; entries an older version indexed are removed', async () => {
    const stale = `${REPLY_INBOX_TYPE}/0123456789abcdef`;
    await fx.client.sadd(fx.keys.queueIndex, stale);
    const requester = fx.coordinator();
    await Promise.all([
      requester.request(
        planner,
        worker,
        { messageType: MessageType.REQUEST, payload: { n: 3 } },
        { timeoutMs: 10_000 },
      ),
      answerOne(),
    ]);
    const listed = await requester.listQueues();
    expect(listed.map((q) => q.type)).toContain(worker.type);
    expect(listed.map((q) => q.type)).not.toContain(REPLY_INBOX_TYPE);
    expect(await fx.client.smembers(fx.keys.queueIndex)).not.toContain(stale);
    expect(
      (await fx.client.smembers(fx.keys.queueIndex)).filter((m) =>
        m.startsWith(`${REPLY_INBOX_TYPE}/`),
      ),
    ).toEqual([]);
  });

  it('a failure to set the expiry after a delivered answer is logged, and the answer stands', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    // A client on which the expiry script fails (as when Redis goes away between the calls).
    const client = createClient();
    const define = client.defineCommand.bind(client);
    jest.spyOn(client, 'defineCommand').mockImplementation((name, definition) => {
      if (name !== 'tta_expire_queue') return define(name, definition);
      Object.assign(client, { [name]: () => Promise.reject(new Error('connection lost')) });
    });
    const answering = fx.coordinator({ logger }, client);
    const inbox = { type: REPLY_INBOX_TYPE, instance: 'feedfacefeedface' };
    const answer = {
      messageId: 'answer-flaky',
      messageType: MessageType.RESPONSE,
      correlationId: 'corr-flaky',
      payload: { ok: true },
    };
    expect((await answering.sendMessage(worker, inbox, answer)).delivered).toBe(true);
    expect(await fx.client.hlen(fx.keys.queue(inbox).bodies)).toBe(1);
    const warning = `could not set the expiry of reply inbox ${REPLY_INBOX_TYPE}/feedfacefeedface: Redis failed during expire: connection lost`;
    expect(warnings).toEqual([warning]);
    // A duplicate delivered nothing: no expiry is tried for it.
    expect((await answering.sendMessage(worker, inbox, answer)).duplicate).toBe(true);
    expect(warnings).toEqual([warning]);
  });
});
