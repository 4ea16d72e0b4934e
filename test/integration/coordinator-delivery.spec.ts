import { MessagePriority, MessageType, type AgentId } from '../../lib/messaging';
import { backend, describeRealRedis } from '../support/redis';
import { serverNow, untilServerTimePasses, whileWaiting } from '../support/wait';
import {
  CLOCK_SLACK_MS,
  CoordinatorFixture,
  drainIds,
  event,
  planner,
  reserveAll,
} from './coordinator-fixture';

describe('RedisMessageCoordinator: delivery', () => {
  const fx = new CoordinatorFixture('delivery');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  it('delivers a message with its fields, defaults and Redis-clock times, then acks it once', async () => {
    const worker: AgentId = { type: 'worker' };
    const before = Date.now();
    const result = await coordinator.sendMessage(planner, worker, {
      messageId: 'msg-basic-1',
      messageType: MessageType.EVENT,
      payload: { job: 'summarise', nested: { n: [1, 2, 3] } },
      correlationId: 'corr-123456',
      replyTo: { type: 'planner', instance: 'p1' },
      routing: { topic: 'jobs', tags: ['a', 'b'] },
    });
    expect(result).toEqual({ messageId: 'msg-basic-1', delivered: true });

    const sentBy = Date.now();
    const reserveFrom = await serverNow(fx.client);
    const delivery = await coordinator.receive(worker, 5_000);
    const reserveTo = await serverNow(fx.client);
    expect(delivery).not.toBeNull();
    const { token, queueMessage, visibilityDeadline } = delivery!;
    expect(token).toMatch(/^\d+:0:msg-basic-1$/);
    expect(queueMessage.message).toEqual({
      messageId: 'msg-basic-1',
      sender: { type: 'planner', instance: 'p1' },
      recipient: { type: 'worker', instance: 'default' },
      messageType: MessageType.EVENT,
      payload: { job: 'summarise', nested: { n: [1, 2, 3] } },
      priority: MessagePriority.NORMAL,
      routing: { topic: 'jobs', tags: ['a', 'b'] },
      timestamp: expect.any(String) as string,
      correlationId: 'corr-123456',
      replyTo: { type: 'planner', instance: 'p1' },
    });
    expect(queueMessage.priority).toBe(MessagePriority.NORMAL);
    expect(queueMessage.deliveryAttempts).toBe(0);
    expect(queueMessage.lastError).toBeUndefined();
    const sentAt = Date.parse(queueMessage.message.timestamp!);
    const enqueuedAt = Date.parse(queueMessage.enqueuedAt);
    // Sent without a timestamp: the message is stamped with its enqueue time (server clock).
    expect(sentAt).toBe(enqueuedAt);
    // Stamped during the send, however long the send took.
    expect(enqueuedAt).toBeGreaterThanOrEqual(before - CLOCK_SLACK_MS);
    expect(enqueuedAt).toBeLessThanOrEqual(sentBy + CLOCK_SLACK_MS);
    const deadline = Date.parse(visibilityDeadline);
    expect(deadline - enqueuedAt).toBeGreaterThanOrEqual(5_000 - CLOCK_SLACK_MS);
    // 5 s from the reservation by the server's clock (read just before and after it).
    expect(deadline).toBeGreaterThanOrEqual(reserveFrom + 5_000 - CLOCK_SLACK_MS);
    expect(deadline).toBeLessThanOrEqual(reserveTo + 5_000 + CLOCK_SLACK_MS);

    expect(await coordinator.stats(worker)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 1,
      deadLettered: 0,
    });
    expect(await coordinator.ack(worker, token)).toBe(true);
    expect(await coordinator.ack(worker, token)).toBe(false);
    expect(await coordinator.receive(worker)).toBeNull();
    expect(await coordinator.stats(worker)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
    const keys = fx.keys.queue(worker);
    expect(await fx.client.hlen(keys.bodies)).toBe(0);
  });

  it('keeps a timestamp given by the sender and generates a message id when none is given', async () => {
    const agent = { type: 'stamped' };
    const first = await coordinator.sendMessage(
      planner,
      agent,
      event({}, { timestamp: '2024-05-01T10:00:00.000Z' }),
    );
    const second = await coordinator.sendMessage(planner, agent, event());
    expect(first.delivered && second.delivered).toBe(true);
    expect(first.messageId).not.toBe(second.messageId);
    expect(first.messageId.length).toBeGreaterThanOrEqual(6);
    const [a, b] = await reserveAll(coordinator, agent);
    expect(a.queueMessage.message.messageId).toBe(first.messageId);
    expect(a.queueMessage.message.timestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(a.queueMessage.message.routing).toEqual({ tags: [] });
    expect(a.queueMessage.message.correlationId).toBeUndefined();
    expect(a.queueMessage.message.replyTo).toBeUndefined();
    expect(b.queueMessage.message.messageId).toBe(second.messageId);
  });

  it('serves the highest priority first and FIFO within a priority', async () => {
    const agent = { type: 'ordered' };
    const plan: [string, MessagePriority][] = [
      ['low-00001', MessagePriority.LOW],
      ['norm-0001', MessagePriority.NORMAL],
      ['high-0001', MessagePriority.HIGH],
      ['low-00002', MessagePriority.LOW],
      ['norm-0002', MessagePriority.NORMAL],
      ['high-0002', MessagePriority.HIGH],
      ['norm-0003', MessagePriority.NORMAL],
      ['high-0003', MessagePriority.HIGH],
      ['low-00003', MessagePriority.LOW],
    ];
    for (const [messageId, priority] of plan) {
      await coordinator.sendMessage(planner, agent, event({ messageId }, { messageId, priority }));
    }
    const taken = await reserveAll(coordinator, agent);
    expect(taken.map((d) => d.queueMessage.message.messageId)).toEqual([
      'high-0001',
      'high-0002',
      'high-0003',
      'norm-0001',
      'norm-0002',
      'norm-0003',
      'low-00001',
      'low-00002',
      'low-00003',
    ]);
    expect(taken.map((d) => d.queueMessage.priority)).toEqual([9, 9, 9, 5, 5, 5, 1, 1, 1]);
    for (const d of taken) expect(await coordinator.ack(agent, d.token)).toBe(true);
  });

  it('takes payloads and ids that are not plain objects through the full validator', async () => {
    const agent = { type: 'unusual' };
    const payload = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    class Sender {
      type = 'class-sender';
    }
    const result = await coordinator.sendMessage(new Sender(), agent, event(payload));
    expect(result.delivered).toBe(true);
    const [delivery] = await reserveAll(coordinator, agent);
    expect(delivery.queueMessage.message.payload).toEqual({ a: 1 });
    expect(delivery.queueMessage.message.sender).toEqual({
      type: 'class-sender',
      instance: 'default',
    });
  });

  it('gives every delivery its own token', async () => {
    const agent = { type: 'tokens' };
    for (let i = 0; i < 10; i++) await coordinator.sendMessage(planner, agent, event({ i }));
    const tokens = (await reserveAll(coordinator, agent)).map((d) => d.token);
    expect(tokens).toHaveLength(10);
    expect(new Set(tokens).size).toBe(10);
  });

  it('delivers two messages with identical bodies and different ids, both', async () => {
    const agent = { type: 'twins' };
    const body = event({ same: 'body' }, { timestamp: '2024-01-01T00:00:00.000Z' });
    expect(
      (await coordinator.sendMessage(planner, agent, { ...body, messageId: 'twin-aaaa' }))
        .delivered,
    ).toBe(true);
    expect(
      (await coordinator.sendMessage(planner, agent, { ...body, messageId: 'twin-bbbb' }))
        .delivered,
    ).toBe(true);
    expect((await coordinator.stats(agent)).ready).toBe(2);
    expect(await drainIds(coordinator, agent)).toEqual(['twin-aaaa', 'twin-bbbb']);
  });

  it('honours a visibility timeout of 10 ms', async () => {
    const agent = { type: 'short-lease' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'short-lease-1' }));
    const delivery = await coordinator.receive(agent, 10);
    expect(delivery).not.toBeNull();
    const lease = Date.parse(delivery!.visibilityDeadline) - Date.now();
    expect(lease).toBeLessThanOrEqual(15);
    // Still reserved right away: nothing to recover and nothing to receive.
    expect(await coordinator.receive(agent)).toBeNull();
    await untilServerTimePasses(fx.client, Date.parse(delivery!.visibilityDeadline));
    expect(await coordinator.recoverPending(agent)).toBe(1);
    const again = await coordinator.receive(agent, 10);
    expect(again!.queueMessage.message.messageId).toBe('short-lease-1');
    expect(again!.queueMessage.deliveryAttempts).toBe(1);
    expect(await coordinator.ack(agent, again!.token)).toBe(true);
  });

  it('returns null at once with waitMs 0, and after about waitMs when nothing comes', async () => {
    const agent = { type: 'nobody-writes' };
    let started = Date.now();
    expect(await coordinator.receive(agent, 1_000, { waitMs: 0 })).toBeNull();
    // Without waiting (a BLPOP with timeout 0 would block for good): generous bound, loaded CI.
    expect(Date.now() - started).toBeLessThan(1_000);
    started = Date.now();
    expect(await coordinator.receive(agent, 1_000, { waitMs: 150 })).toBeNull();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(150 + 1_000);
  });

  it('a waiting receiver wakes when a message arrives', async () => {
    const agent = { type: 'waiter' };
    let sentAt = 0;
    const delivery = await whileWaiting(
      coordinator,
      () => coordinator.receive(agent, 1_000, { waitMs: 20_000 }),
      async () => {
        sentAt = Date.now();
        await coordinator.sendMessage(planner, agent, event({}, { messageId: 'wake-up-1' }));
      },
    );
    expect(delivery?.queueMessage.message.messageId).toBe('wake-up-1');
    // Woken by the send, long before waitMs ran out.
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
  });

  it('a waiting receiver stops when its signal fires', async () => {
    const agent = { type: 'aborted-waiter' };
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await whileWaiting(
      coordinator,
      () => coordinator.receive(agent, 1_000, { waitMs: 20_000, signal: controller.signal }),
      () => {
        abortedAt = Date.now();
        controller.abort();
      },
    );
    expect(result).toBeNull();
    // Stopped by the signal, long before waitMs ran out.
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    // The coordinator still works afterwards.
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'after-abort' }));
    expect(await drainIds(coordinator, agent)).toEqual(['after-abort']);
  });

  it('a waiting receiver wakes when a retry becomes due', async () => {
    const retrying = fx.coordinator({ backoffBaseMs: 100, backoffMaxMs: 100, jitter: 'none' });
    const agent = { type: 'due-waiter' };
    await retrying.sendMessage(planner, agent, event({}, { messageId: 'due-later' }));
    const first = await retrying.receive(agent);
    // Read before the nack: the retry falls due 100 ms after the script runs, which is later.
    const nackedAt = Date.now();
    expect(await retrying.nack(agent, first!.token)).toBe('retried');
    const again = await retrying.receive(agent, 1_000, { waitMs: 5_000 });
    const waited = Date.now() - nackedAt;
    expect(again?.queueMessage.message.messageId).toBe('due-later');
    expect(waited).toBeGreaterThanOrEqual(100 - CLOCK_SLACK_MS);
    // Woken when it fell due (100 ms), not when waitMs ran out: generous bound, loaded CI.
    expect(waited).toBeLessThan(100 + 1_000);
    expect(await retrying.ack(agent, again!.token)).toBe(true);
  });

  describeRealRedis('blocking wake-up (real Redis)', () => {
    it('wakes well before waitMs, one message per waiter', async () => {
      const agent = { type: 'blocked' };
      let sentAt = 0;
      // All three are blocked in BLPOP before the first message is sent.
      const deliveries = await whileWaiting(
        coordinator,
        () =>
          Promise.all([0, 1, 2].map(() => coordinator.receive(agent, 1_000, { waitMs: 20_000 }))),
        async () => {
          sentAt = Date.now();
          for (let i = 0; i < 3; i++) {
            const message = event({}, { messageId: `blocked-${i}000` });
            await coordinator.sendMessage(planner, agent, message);
          }
        },
        { waits: 3 },
      );
      const latency = Date.now() - sentAt;
      expect(latency).toBeLessThan(5_000);
      const ids = deliveries.map((d) => d!.queueMessage.message.messageId).sort();
      expect(ids).toEqual(['blocked-0000', 'blocked-1000', 'blocked-2000']);
      for (const d of deliveries) expect(await coordinator.ack(agent, d!.token)).toBe(true);
    });
  });

  it('broadcast gives one result per recipient, in order, each with its own copy', async () => {
    const recipients = [{ type: 'b1' }, { type: 'b2' }, { type: 'b3', instance: 'x' }];
    await coordinator.sendMessage(planner, recipients[1], event({}, { messageId: 'bcast-0001' }));
    const results = await coordinator.broadcastMessage(
      planner,
      event({ hello: 'all' }, { messageId: 'bcast-0001' }),
      recipients,
    );
    expect(results).toEqual([
      { messageId: 'bcast-0001', delivered: true },
      { messageId: 'bcast-0001', delivered: false, duplicate: true, error: 'duplicate' },
      { messageId: 'bcast-0001', delivered: true },
    ]);
    const copy1 = await coordinator.receive(recipients[0]);
    const copy3 = await coordinator.receive(recipients[2]);
    expect(copy1!.queueMessage.message.payload).toEqual({ hello: 'all' });
    expect(copy1!.queueMessage.message.recipient).toEqual({ type: 'b1', instance: 'default' });
    expect(copy3!.queueMessage.message.recipient).toEqual({ type: 'b3', instance: 'x' });
    expect(await coordinator.ack(recipients[0], copy1!.token)).toBe(true);
    // Acknowledging one copy leaves the other recipient's copy alone.
    expect(await coordinator.stats(recipients[2])).toMatchObject({ reserved: 1 });
    expect(await coordinator.broadcastMessage(planner, event(), [])).toEqual([]);
  });

  it('publish reaches every subscriber of the type once; unsubscribe stops it', async () => {
    const a = { type: 'sub-a' };
    const b = { type: 'sub-b' };
    const c = { type: 'sub-c' };
    const subA = await coordinator.subscribeToMessages(a, [MessageType.EVENT, MessageType.EVENT]);
    const subA2 = await coordinator.subscribeToMessages(a, [MessageType.EVENT]);
    const subB = await coordinator.subscribeToMessages(b, [MessageType.EVENT, MessageType.REQUEST]);
    await coordinator.subscribeToMessages(c, [MessageType.REQUEST]);
    expect(subA).toEqual({
      subscriptionId: expect.any(String) as string,
      agentId: { type: 'sub-a', instance: 'default' },
      messageTypes: [MessageType.EVENT],
    });
    expect(subA.subscriptionId).not.toBe(subA2.subscriptionId);
    expect(await fx.client.hlen(fx.keys.subscriptions)).toBe(4);

    const results = await coordinator.publish(planner, {
      payload: { news: 1 },
      messageId: 'news-00001',
    } as never);
    expect(results).toHaveLength(2);
    expect(results.every((r) => r.delivered)).toBe(true);
    const gotA = await coordinator.receive(a);
    const gotB = await coordinator.receive(b);
    expect(gotA!.queueMessage.message.messageType).toBe(MessageType.EVENT);
    expect(gotB!.queueMessage.message.payload).toEqual({ news: 1 });
    expect(await coordinator.receive(a)).toBeNull();
    expect(await coordinator.receive(c)).toBeNull();

    const requests = await coordinator.publish(
      planner,
      event({}, { messageType: MessageType.REQUEST }),
    );
    expect(requests).toHaveLength(2);
    const requestForB = await coordinator.receive(b);
    expect(requestForB!.queueMessage.message.messageType).toBe(MessageType.REQUEST);
    expect((await coordinator.receive(c))!.queueMessage.message.messageType).toBe(
      MessageType.REQUEST,
    );

    expect(await coordinator.unsubscribe(subA.subscriptionId)).toBe(true);
    expect(await coordinator.unsubscribe(subA.subscriptionId)).toBe(false);
    expect(await coordinator.unsubscribe(subB.subscriptionId)).toBe(true);
    // sub-a still has its second subscription.
    const later = await coordinator.publish(planner, event({ n: 2 }));
    expect(later).toHaveLength(1);
    expect(await coordinator.unsubscribe(subA2.subscriptionId)).toBe(true);
    expect(await coordinator.publish(planner, event({ n: 3 }))).toEqual([]);
    expect(await coordinator.receive(b)).toBeNull();
    expect((await coordinator.receive(a))!.queueMessage.message.payload).toEqual({ n: 2 });
  });

  it('unsubscribes a subscription record written without types', async () => {
    await fx.client.hset(fx.keys.subscriptions, 'hand-written-1', 'sub-z/default');
    expect(await coordinator.unsubscribe('hand-written-1')).toBe(true);
    expect(await fx.client.hexists(fx.keys.subscriptions, 'hand-written-1')).toBe(0);
  });

  it('subscriptions are shared through Redis with other coordinators on the prefix', async () => {
    const other = fx.coordinator();
    const listener = { type: 'remote-listener' };
    const sub = await other.subscribeToMessages(listener, [MessageType.RESPONSE]);
    const results = await coordinator.publish(
      planner,
      event({}, { messageType: MessageType.RESPONSE }),
    );
    expect(results).toHaveLength(1);
    expect(await other.receive(listener)).not.toBeNull();
    expect(await coordinator.unsubscribe(sub.subscriptionId)).toBe(true);
  });

  it('stats, listQueues and oldestReadyAt describe the queues', async () => {
    const own = fx.coordinator({ keyPrefix: `${fx.prefix}.stats` });
    const q1 = { type: 'stats-a', instance: 'i1' };
    const q2 = { type: 'stats-b' };
    expect(await own.listQueues()).toEqual([]);
    expect(await own.oldestReadyAt(q1)).toBeNull();
    await own.sendMessage(planner, q1, event({}, { priority: MessagePriority.LOW }));
    // The next send is stamped at a later millisecond of the server's clock.
    await untilServerTimePasses(fx.client, await serverNow(fx.client));
    await own.sendMessage(planner, q1, event({}, { priority: MessagePriority.HIGH }));
    await own.sendMessage(planner, q2, event());
    expect(await own.listQueues()).toEqual([
      { type: 'stats-a', instance: 'i1' },
      { type: 'stats-b', instance: 'default' },
    ]);
    const oldest = await own.oldestReadyAt(q1);
    const taken = await own.receive(q1);
    // The HIGH one was served first, but the LOW one is older and still ready.
    expect(taken!.queueMessage.priority).toBe(MessagePriority.HIGH);
    expect(await own.oldestReadyAt(q1)).toBe(oldest);
    if (backend === 'redis') {
      expect(Date.parse(oldest!)).toBeLessThan(Date.parse(taken!.queueMessage.enqueuedAt));
    }
    expect(await own.stats(q1)).toEqual({ ready: 1, delayed: 0, reserved: 1, deadLettered: 0 });
    await own.nack(q1, taken!.token, 'permanent', 'no');
    expect(await own.stats(q1)).toEqual({ ready: 1, delayed: 0, reserved: 0, deadLettered: 1 });
    await drainIds(own, q1);
    await drainIds(own, q2);
    expect(await own.oldestReadyAt(q1)).toBeNull();
  });

  it('oldestReadyAt skips heads whose body is missing or unreadable', async () => {
    const agent = { type: 'odd-heads' };
    const keys = fx.keys.queue(agent);
    await fx.client.rpush(keys.ready[MessagePriority.HIGH], 'no-body-1');
    await fx.client.rpush(keys.ready[MessagePriority.LOW], 'odd-body-1');
    await fx.client.hset(keys.bodies, 'odd-body-1', 'garbage');
    expect(await coordinator.oldestReadyAt(agent)).toBeNull();
    const sentFrom = Date.now();
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'fine-body' }));
    const sentBy = Date.now();
    const oldest = await coordinator.oldestReadyAt(agent);
    // The enqueue time of 'fine-body', the only readable head.
    expect(Date.parse(oldest!)).toBeGreaterThanOrEqual(sentFrom - CLOCK_SLACK_MS);
    expect(Date.parse(oldest!)).toBeLessThanOrEqual(sentBy + CLOCK_SLACK_MS);
    await fx.client.del(keys.ready[MessagePriority.HIGH], keys.ready[MessagePriority.LOW]);
    expect(await drainIds(coordinator, agent)).toEqual(['fine-body']);
  });

  it('ignores a stray index entry that is not an agent id', async () => {
    const own = fx.coordinator({ keyPrefix: `${fx.prefix}.index` });
    await own.sendMessage(planner, { type: 'real' }, event());
    await fx.client.sadd(`${fx.prefix}.index:queues`, 'not-an-agent');
    expect(await own.listQueues()).toEqual([{ type: 'real', instance: 'default' }]);
  });
});
