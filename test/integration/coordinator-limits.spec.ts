import { MessagePriority } from '../../lib/messaging';
import { waitFor } from '../support/wait';
import { CoordinatorFixture, drainIds, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: de-duplication and queue size', () => {
  const fx = new CoordinatorFixture('limits');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  it('enqueues a duplicate messageId once, while queued and after it was acknowledged', async () => {
    const agent = { type: 'dedup' };
    const message = event({ v: 1 }, { messageId: 'dup-000001' });
    expect(await coordinator.sendMessage(planner, agent, message)).toEqual({
      messageId: 'dup-000001',
      delivered: true,
    });
    const again = await coordinator.sendMessage(planner, agent, { ...message, payload: { v: 2 } });
    expect(again).toEqual({
      messageId: 'dup-000001',
      delivered: false,
      duplicate: true,
      error: 'duplicate',
    });
    expect((await coordinator.stats(agent)).ready).toBe(1);
    const delivery = await coordinator.receive(agent);
    expect(delivery!.queueMessage.message.payload).toEqual({ v: 1 });
    // While reserved, and after the ack, the id is still refused.
    expect((await coordinator.sendMessage(planner, agent, message)).duplicate).toBe(true);
    expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
    expect((await coordinator.sendMessage(planner, agent, message)).duplicate).toBe(true);
    expect(await coordinator.receive(agent)).toBeNull();
    // Another recipient is another queue: the same id is fine there.
    expect((await coordinator.sendMessage(planner, { type: 'dedup-2' }, message)).delivered).toBe(
      true,
    );
    // The remembered id expires with its window (10 minutes by default).
    const until = Number(await fx.client.zscore(fx.keys.queue(agent).dedup, 'dup-000001'));
    const enqueuedAt = Date.parse(delivery!.queueMessage.enqueuedAt);
    expect(until - enqueuedAt).toBe(600_000);
  });

  it('accepts the id again once a tiny dedupWindowMs has passed, and drops the memory', async () => {
    const agent = { type: 'dedup-window' };
    const brief = fx.coordinator({ dedupWindowMs: 20 });
    const message = event({}, { messageId: 'dup-window-1' });
    expect((await brief.sendMessage(planner, agent, message)).delivered).toBe(true);
    expect(await drainIds(brief, agent)).toEqual(['dup-window-1']);
    // The window is counted from when the message was enqueued (by the server's clock, which
    // on ioredis-mock jumps around): refused as a duplicate until it has passed, then taken.
    const again = await waitFor('the dedup window to pass', async () => {
      const result = await brief.sendMessage(planner, agent, message);
      if (!result.delivered) expect(result.duplicate).toBe(true);
      return result.delivered ? result : undefined;
    });
    expect(again).toEqual({ messageId: 'dup-window-1', delivered: true });
    // The expired memory was cleared by that send, so the dedup set does not grow.
    expect(await fx.client.zscore(fx.keys.queue(agent).dedup, 'dup-window-1')).toBeNull();
    expect(await drainIds(brief, agent)).toEqual(['dup-window-1']);
  });

  it('dedupWindowMs 0 remembers nothing after the ack', async () => {
    const agent = { type: 'dedup-off' };
    const forgetful = fx.coordinator({ dedupWindowMs: 0 });
    const message = event({}, { messageId: 'dup-none-1' });
    await forgetful.sendMessage(planner, agent, message);
    expect((await forgetful.sendMessage(planner, agent, message)).duplicate).toBe(true);
    await drainIds(forgetful, agent);
    expect(await fx.client.zcard(fx.keys.queue(agent).dedup)).toBe(0);
    expect((await forgetful.sendMessage(planner, agent, message)).delivered).toBe(true);
  });

  it('refuses with "queue full" at queueSize, counting ready, delayed and reserved', async () => {
    const agent = { type: 'bounded' };
    const bounded = fx.coordinator({
      queueSize: 3,
      backoffBaseMs: 60_000,
      backoffMaxMs: 60_000,
      jitter: 'none',
    });
    const send = (n: number, priority = MessagePriority.NORMAL) =>
      bounded.sendMessage(planner, agent, event({ n }, { messageId: `bounded-${n}`, priority }));
    expect((await send(1)).delivered).toBe(true);
    expect((await send(2)).delivered).toBe(true);
    expect((await send(3, MessagePriority.HIGH)).delivered).toBe(true);
    expect(await send(4)).toEqual({
      messageId: 'bounded-4',
      delivered: false,
      error: 'queue full',
    });
    // One reserved, one delayed, one ready: still three undelivered.
    const reserved = await bounded.receive(agent, 30_000);
    const retried = await bounded.receive(agent, 30_000);
    await bounded.nack(agent, retried!.token);
    expect(await bounded.stats(agent)).toEqual({
      ready: 1,
      delayed: 1,
      reserved: 1,
      deadLettered: 0,
    });
    expect((await send(5)).error).toBe('queue full');
    // Dead letters do not count: room again once one leaves.
    await bounded.nack(agent, reserved!.token, 'permanent');
    expect((await send(6)).delivered).toBe(true);
    expect((await send(7)).error).toBe('queue full');
    // A duplicate is reported as such even when the queue is full.
    expect((await send(6)).duplicate).toBe(true);
    // configure() raises the limit on this instance.
    bounded.configure({ queueSize: 4 });
    expect((await send(7)).delivered).toBe(true);
    expect(await bounded.stats(agent)).toMatchObject({ ready: 3, delayed: 1, reserved: 0 });
    expect((await send(8)).error).toBe('queue full');
  });
});
