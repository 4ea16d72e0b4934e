import { KeyLayout } from '../../lib/common/key-layout';
import type { AgentId } from '../../lib/messaging';
import { EXPIRED_REASON } from '../../lib/messaging/redis-message-coordinator';
import { ConfigurationError } from '../../lib/errors';
import { sleep } from '../support/redis';
import { serverNow, untilServerTimePasses, whileWaiting } from '../support/wait';
import {
  CLOCK_SLACK_MS,
  CoordinatorFixture,
  drainIds,
  event,
  planner,
} from './coordinator-fixture';

describe('RedisMessageCoordinator: recovery of expired reservations', () => {
  const fx = new CoordinatorFixture('recovery');
  const coordinator = fx.coordinator({ retryAttempts: 2 });

  afterAll(() => fx.teardown());

  async function sendAndReserve(agent: AgentId, messageId: string, visibilityMs = 30_000) {
    await coordinator.sendMessage(planner, agent, event({}, { messageId }));
    const delivery = await coordinator.receive(agent, visibilityMs);
    expect(delivery?.queueMessage.message.messageId).toBe(messageId);
    return delivery!;
  }

  it('brings an expired reservation back, counts an attempt, and fences the old token', async () => {
    const agent = { type: 'expiring' };
    const old = await sendAndReserve(agent, 'exp-000001');
    // Not expired yet: nothing to recover.
    expect(await coordinator.recoverPending(agent)).toBe(0);
    await fx.expire(agent, old.token);
    expect(await coordinator.recoverPending(agent)).toBe(1);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 1,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
    expect(await fx.client.hget(fx.keys.queue(agent).errors, 'exp-000001')).toBe(EXPIRED_REASON);

    expect(await coordinator.ack(agent, old.token)).toBe(false);
    expect(await coordinator.nack(agent, old.token)).toBe(false);
    expect(await coordinator.extend(agent, old.token, 10_000)).toBe(false);
    // The refused calls changed nothing.
    expect(await coordinator.stats(agent)).toMatchObject({ ready: 1, delayed: 0, reserved: 0 });

    const fresh = await coordinator.receive(agent, 30_000);
    expect(fresh!.token).not.toBe(old.token);
    expect(fresh!.token).toMatch(/^\d+:1:exp-000001$/);
    expect(fresh!.queueMessage.deliveryAttempts).toBe(1);
    expect(fresh!.queueMessage.lastError).toBe('visibility timeout expired');
    // The old token stays stale even while the message is reserved again.
    expect(await coordinator.ack(agent, old.token)).toBe(false);
    expect(await coordinator.extend(agent, old.token, 10_000)).toBe(false);
    expect(await coordinator.ack(agent, fresh!.token)).toBe(true);
  });

  it('puts a recovered message at the front of its priority', async () => {
    const agent = { type: 'front' };
    const first = await sendAndReserve(agent, 'front-0001');
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'front-0002' }));
    await fx.expire(agent, first.token);
    expect(await coordinator.recoverPending(agent)).toBe(1);
    expect(await drainIds(coordinator, agent)).toEqual(['front-0001', 'front-0002']);
  });

  it('dead-letters a poison message once recoveries exceed retryAttempts', async () => {
    const agent = { type: 'poison' };
    for (let round = 1; round <= 3; round++) {
      const delivery = await coordinator.receive(agent, 30_000).then(async (d) => {
        if (d) return d;
        return sendAndReserve(agent, 'poison-001');
      });
      expect(delivery.queueMessage.deliveryAttempts).toBe(round - 1);
      await fx.expire(agent, delivery.token);
      expect(await coordinator.recoverPending(agent)).toBe(1);
    }
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 1,
    });
    const [dead] = await coordinator.deadLetters(agent);
    expect(dead).toMatchObject({ deliveryAttempts: 3, lastError: EXPIRED_REASON });
    expect(dead.message.messageId).toBe('poison-001');
    expect(await coordinator.receive(agent)).toBeNull();
  });

  it('acks a reservation past its deadline as long as it was not recovered', async () => {
    const agent = { type: 'late-ack' };
    const delivery = await sendAndReserve(agent, 'late-00001');
    await fx.expire(agent, delivery.token);
    expect(await coordinator.extend(agent, delivery.token, 10_000)).toBe(false);
    expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    expect(await coordinator.recoverPending(agent)).toBe(0);
    expect(await coordinator.stats(agent)).toMatchObject({ ready: 0, reserved: 0 });
  });

  it('extend pushes the deadline out and keeps the message from being recovered', async () => {
    const agent = { type: 'extended' };
    const delivery = await sendAndReserve(agent, 'ext-000001', 1_000);
    const reserved = fx.keys.queue(agent).reserved;
    const before = Number(await fx.client.zscore(reserved, delivery.token));
    expect(before).toBe(Date.parse(delivery.visibilityDeadline));
    const extendFrom = await serverNow(fx.client);
    expect(await coordinator.extend(agent, delivery.token, 120_000)).toBe(true);
    const extendTo = await serverNow(fx.client);
    const after = Number(await fx.client.zscore(reserved, delivery.token));
    expect(after - before).toBeGreaterThan(119_000 - CLOCK_SLACK_MS);
    // 120 s from the extend by the server's clock (read just before and after it), however
    // long the test took to get there: not from the old deadline.
    expect(after).toBeGreaterThanOrEqual(extendFrom + 120_000 - CLOCK_SLACK_MS);
    expect(after).toBeLessThanOrEqual(extendTo + 120_000 + CLOCK_SLACK_MS);
    expect(await coordinator.recoverPending(agent)).toBe(0);
    expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    expect(await coordinator.extend(agent, delivery.token, 1_000)).toBe(false);
    expect(await coordinator.extend(agent, '1:0:never-reserved', 1_000)).toBe(false);
    await expect(coordinator.extend(agent, delivery.token, 0)).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(coordinator.extend(agent, 'token', 1_000)).rejects.toMatchObject({
      field: 'token',
      rule: 'matches',
    });
  });

  it('extend keeps a short reservation alive in real time', async () => {
    const agent = { type: 'extended-live' };
    const delivery = await sendAndReserve(agent, 'live-00001', 1_000);
    await sleep(50); // some way into the reservation (the input, not a wait)
    expect(await coordinator.extend(agent, delivery.token, 5_000)).toBe(true);
    // Past the first deadline by the server's clock, well before the extended one.
    await untilServerTimePasses(fx.client, Date.parse(delivery.visibilityDeadline) + 20);
    expect(await coordinator.recoverPending(agent)).toBe(0);
    expect(await coordinator.ack(agent, delivery.token)).toBe(true);
  });

  it('a reservation expires on its own after its visibility timeout', async () => {
    const agent = { type: 'natural' };
    const delivery = await sendAndReserve(agent, 'natural-01', 250);
    expect(await coordinator.recoverPending(agent)).toBe(0);
    await untilServerTimePasses(fx.client, Date.parse(delivery.visibilityDeadline));
    expect(await coordinator.extend(agent, delivery.token, 1_000)).toBe(false);
    // A waiting receiver is woken by the recovery, long before its waitMs runs out.
    let started = 0;
    const again = await whileWaiting(
      coordinator,
      () => coordinator.receive(agent, 1_000, { waitMs: 20_000 }),
      async () => {
        started = Date.now();
        expect(await coordinator.recoverPending(agent)).toBe(1);
      },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(again!.queueMessage.deliveryAttempts).toBe(1);
    expect(await coordinator.ack(agent, delivery.token)).toBe(false);
    expect(await coordinator.ack(agent, again!.token)).toBe(true);
  });

  it('without an agent, recovers every agent found through the queue index, in batches', async () => {
    const own = fx.coordinator({ keyPrefix: `${fx.prefix}.all`, recoverBatchSize: 2 });
    const agents = [{ type: 'all-a' }, { type: 'all-b', instance: 'x' }];
    const tokens: [AgentId, string][] = [];
    for (const agent of agents) {
      for (let i = 0; i < 3; i++) {
        await own.sendMessage(planner, agent, event({}, { messageId: `all-${agent.type}-${i}` }));
        tokens.push([agent, (await own.receive(agent, 30_000))!.token]);
      }
    }
    const ownKeys = new KeyLayout(`${fx.prefix}.all`);
    for (const [agent, token] of tokens) {
      await fx.client.zadd(ownKeys.queue(agent).reserved, 'XX', 1, token);
    }
    // An agent missing from the index is not found: no keyspace scan.
    const stray = { type: 'not-indexed' };
    await fx.client.zadd(ownKeys.queue(stray).reserved, 1, '1:0:stray-message');
    expect(await own.recoverPending()).toBe(6);
    for (const agent of agents) expect((await own.stats(agent)).ready).toBe(3);
    expect(await fx.client.zcard(ownKeys.queue(stray).reserved)).toBe(1);
    expect(await own.recoverPending()).toBe(0);
  });
});
