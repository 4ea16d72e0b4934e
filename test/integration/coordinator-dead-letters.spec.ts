import { MessagePriority, type AgentId } from '../../lib/messaging';
import { ConfigurationError, ValidationError } from '../../lib/errors';
import { CoordinatorFixture, drainIds, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: dead letters', () => {
  const fx = new CoordinatorFixture('dead');
  const coordinator = fx.coordinator({ retryAttempts: 1 });

  afterAll(() => fx.teardown());

  /** Sends `ids` and dead-letters each with the error `error:<id>`, in order. */
  async function deadLetter(agent: AgentId, ids: string[], priority = MessagePriority.NORMAL) {
    for (const messageId of ids) {
      await coordinator.sendMessage(planner, agent, event({ messageId }, { messageId, priority }));
      const delivery = await coordinator.receive(agent, 30_000);
      expect(delivery!.queueMessage.message.messageId).toBe(messageId);
      expect(
        await coordinator.nack(agent, delivery!.token, 'permanent', `error:${messageId}`),
      ).toBe('dead-lettered');
    }
  }

  it('pages dead letters oldest first, each with its last error', async () => {
    const agent = { type: 'dlq-pages' };
    const ids = ['dead-0000', 'dead-0001', 'dead-0002', 'dead-0003', 'dead-0004'];
    await deadLetter(agent, ids);
    const all = await coordinator.deadLetters(agent);
    expect(all.map((d) => d.message.messageId)).toEqual(ids);
    expect(all.map((d) => d.lastError)).toEqual(ids.map((id) => `error:${id}`));
    expect(all[0]).toMatchObject({
      priority: MessagePriority.NORMAL,
      deliveryAttempts: 1,
      message: {
        sender: { type: 'planner', instance: 'p1' },
        recipient: { type: 'dlq-pages', instance: 'default' },
        payload: { messageId: 'dead-0000' },
      },
    });
    const page = (offset: number, limit: number) =>
      coordinator
        .deadLetters(agent, { offset, limit })
        .then((list) => list.map((d) => d.message.messageId));
    expect(await page(0, 2)).toEqual(['dead-0000', 'dead-0001']);
    expect(await page(2, 2)).toEqual(['dead-0002', 'dead-0003']);
    expect(await page(4, 2)).toEqual(['dead-0004']);
    expect(await page(10, 2)).toEqual([]);
    await expect(coordinator.deadLetters(agent, { limit: 0 })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(coordinator.deadLetters(agent, { offset: -1 })).rejects.toMatchObject({
      field: 'offset',
    });
    expect(await coordinator.deadLetters({ type: 'no-dead-letters' })).toEqual([]);
  });

  it('replays chosen dead letters with attempts reset, behind what is already queued', async () => {
    const agent = { type: 'dlq-replay' };
    await deadLetter(agent, ['rp-000000', 'rp-000001', 'rp-000002']);
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'rp-queued' }));
    expect(await coordinator.replayDeadLetters(agent, [])).toBe(0);
    expect(
      await coordinator.replayDeadLetters(agent, ['rp-000002', 'rp-000000', 'unknown-id']),
    ).toBe(2);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 3,
      delayed: 0,
      reserved: 0,
      deadLettered: 1,
    });
    const keys = fx.keys.queue(agent);
    expect(await fx.client.hget(keys.attempts, 'rp-000002')).toBeNull();
    expect(await fx.client.hget(keys.errors, 'rp-000002')).toBeNull();
    const order = [];
    for (let d = await coordinator.receive(agent); d; d = await coordinator.receive(agent)) {
      order.push([d.queueMessage.message.messageId, d.queueMessage.deliveryAttempts]);
      await coordinator.ack(agent, d.token);
    }
    expect(order).toEqual([
      ['rp-queued', 0],
      ['rp-000002', 0],
      ['rp-000000', 0],
    ]);
    // A replayed message gets its full retry budget again.
    expect((await coordinator.deadLetters(agent)).map((d) => d.message.messageId)).toEqual([
      'rp-000001',
    ]);
    expect(await coordinator.replayDeadLetters(agent)).toBe(1);
    const back = await coordinator.receive(agent, 30_000);
    expect(await coordinator.nack(agent, back!.token, 'transient')).toBe('retried');
    expect(await coordinator.stats(agent)).toMatchObject({ delayed: 1, deadLettered: 0 });
  });

  it('replays every dead letter into its own priority', async () => {
    const agent = { type: 'dlq-replay-all' };
    await deadLetter(agent, ['rpa-low-01'], MessagePriority.LOW);
    await deadLetter(agent, ['rpa-high-1'], MessagePriority.HIGH);
    await deadLetter(agent, ['rpa-norm-1'], MessagePriority.NORMAL);
    expect(await coordinator.replayDeadLetters(agent)).toBe(3);
    expect(await coordinator.replayDeadLetters(agent)).toBe(0);
    expect(await drainIds(coordinator, agent)).toEqual(['rpa-high-1', 'rpa-norm-1', 'rpa-low-01']);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('refuses message ids that are not an array of strings', async () => {
    const agent = { type: 'dlq-input' };
    await expect(
      coordinator.replayDeadLetters(agent, 'dead-0000' as unknown as string[]),
    ).rejects.toMatchObject({ field: 'messageIds', rule: 'isArray' });
    await expect(
      coordinator.replayDeadLetters(agent, [42] as unknown as string[]),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('purges dead letters for good, still refusing their ids within the window', async () => {
    const agent = { type: 'dlq-purge' };
    await deadLetter(agent, ['pg-000000', 'pg-000001']);
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'pg-alive' }));
    expect(await coordinator.purgeDeadLetters(agent)).toBe(2);
    expect(await coordinator.purgeDeadLetters(agent)).toBe(0);
    expect(await coordinator.deadLetters(agent)).toEqual([]);
    const keys = fx.keys.queue(agent);
    expect(await fx.client.hkeys(keys.bodies)).toEqual(['pg-alive']);
    expect(await fx.client.hlen(keys.attempts)).toBe(0);
    expect(await fx.client.hlen(keys.errors)).toBe(0);
    const again = await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'pg-000000' }),
    );
    expect(again).toMatchObject({ delivered: false, duplicate: true });
    expect(await drainIds(coordinator, agent)).toEqual(['pg-alive']);
  });

  it('dead-letters a malformed body found in Redis and carries on with the next message', async () => {
    const agent = { type: 'dlq-malformed' };
    const keys = fx.keys.queue(agent);
    // Make the queue exist, then plant bodies no client of ours would write.
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'before-bad' }));
    await fx.client.hset(keys.bodies, 'bad-header', 'this is not a stored body');
    await fx.client.hset(keys.bodies, 'bad-json-01', '1700000000000:5:[1,"bad-json-01",');
    await fx.client.rpush(keys.ready[MessagePriority.NORMAL], 'bad-header', 'bad-json-01');
    // An id whose body vanished is skipped.
    await fx.client.rpush(keys.ready[MessagePriority.NORMAL], 'no-body-at-all');
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'after-bad' }));

    expect(await drainIds(coordinator, agent)).toEqual(['before-bad', 'after-bad']);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 2,
    });
    const dead = await coordinator.deadLetters(agent);
    expect(dead.map((d) => d.message.messageId)).toEqual(['bad-header', 'bad-json-01']);
    expect(dead[0].lastError).toBe('malformed message body: missing enqueuedAt:priority header');
    expect(dead[1].lastError).toMatch(/^malformed message body: body is not JSON: /);
    // Still inspectable: the raw text is kept in the payload.
    expect(dead[0].message.payload).toEqual({ malformed: 'this is not a stored body' });
    expect(dead[0].message.recipient).toEqual({ type: 'dlq-malformed', instance: 'default' });
    expect(dead[0].deliveryAttempts).toBe(1);
  });

  it('dead-letters a queued id that is no valid message id, with the reason', async () => {
    const agent = { type: 'dlq-bad-id' };
    const keys = fx.keys.queue(agent);
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'good-id-01' }));
    const body = (await fx.client.hget(keys.bodies, 'good-id-01'))!;
    await fx.client.hset(keys.bodies, 'bad id {x}', body);
    await fx.client.lpush(keys.ready[MessagePriority.NORMAL], 'bad id {x}');
    expect(await drainIds(coordinator, agent)).toEqual(['good-id-01']);
    const [dead] = await coordinator.deadLetters(agent);
    expect(dead.lastError).toBe('malformed message body: message id in the queue is malformed');
    // Filed under the odd id (the body inside was copied from the good message).
    expect(await fx.client.zrange(keys.dead, 0, -1)).toEqual(['bad id {x}']);
    expect(dead.deliveryAttempts).toBe(1);
  });

  it('lists a dead letter whose body is gone instead of failing', async () => {
    const agent = { type: 'dlq-orphan' };
    await fx.client.zadd(fx.keys.queue(agent).dead, 1, 'orphan-001');
    const [orphan] = await coordinator.deadLetters(agent);
    expect(orphan).toMatchObject({
      deliveryAttempts: 0,
      lastError: 'body is missing',
      message: { messageId: 'orphan-001', payload: { malformed: null } },
    });
    // Replaying it moves nothing (there is nothing to deliver) but clears the entry.
    expect(await coordinator.replayDeadLetters(agent, ['orphan-001'])).toBe(0);
    expect(await coordinator.deadLetters(agent)).toEqual([]);
  });
});
