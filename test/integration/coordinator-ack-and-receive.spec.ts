import { MessageCoordinator, MessagePriority } from '../../lib/messaging';
import { whileWaiting } from '../support/wait';
import { CoordinatorFixture, EMPTY_QUEUE, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: ackAndReceive', () => {
  const fx = new CoordinatorFixture('ackrecv');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  it('acknowledges and reserves the next message in priority order, until none is left', async () => {
    const agent = { type: 'looping' };
    await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'loop-low-1', priority: MessagePriority.LOW }),
    );
    await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'loop-high-1', priority: MessagePriority.HIGH }),
    );
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'loop-norm-1' }));
    let delivery = await coordinator.receive(agent, 30_000);
    const order = [delivery!.queueMessage.message.messageId];
    for (;;) {
      const { acknowledged, next } = await coordinator.ackAndReceive(
        agent,
        delivery!.token,
        30_000,
      );
      expect(acknowledged).toBe(true);
      if (!next) break;
      order.push(next.queueMessage.message.messageId);
      expect(next.token).not.toBe(delivery!.token);
      delivery = next;
    }
    expect(order).toEqual(['loop-high-1', 'loop-norm-1', 'loop-low-1']);
    expect(await coordinator.stats(agent)).toEqual(EMPTY_QUEUE);
    // The ack half remembers the id like ack() does.
    expect(
      (await coordinator.sendMessage(planner, agent, event({}, { messageId: 'loop-high-1' })))
        .duplicate,
    ).toBe(true);
  });

  it('reports a stale token and still hands out the next message', async () => {
    const agent = { type: 'stale-loop' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'stale-loop-1' }));
    const { acknowledged, next } = await coordinator.ackAndReceive(
      agent,
      '1:0:never-issued',
      30_000,
    );
    expect(acknowledged).toBe(false);
    expect(next!.queueMessage.message.messageId).toBe('stale-loop-1');
    await expect(coordinator.ackAndReceive(agent, 'bad token')).rejects.toMatchObject({
      field: 'token',
    });
    await expect(coordinator.ackAndReceive(agent, next!.token, 0)).rejects.toMatchObject({
      field: 'visibilityTimeoutMs',
    });
    await expect(
      coordinator.ackAndReceive(agent, next!.token, 1_000, { waitMs: -5 }),
    ).rejects.toMatchObject({
      field: 'waitMs',
    });
    expect((await coordinator.ackAndReceive(agent, next!.token)).acknowledged).toBe(true);
  });

  it('waits up to waitMs for the next message after the ack', async () => {
    const agent = { type: 'waiting-loop' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'wait-loop-1' }));
    const first = await coordinator.receive(agent, 30_000);
    // The send comes while the call waits after its ack, and wakes it.
    const { acknowledged, next } = await whileWaiting(
      coordinator,
      () => coordinator.ackAndReceive(agent, first!.token, 30_000, { waitMs: 3_000 }),
      () => coordinator.sendMessage(planner, agent, event({}, { messageId: 'wait-loop-2' })),
    );
    expect(acknowledged).toBe(true);
    expect(next!.queueMessage.message.messageId).toBe('wait-loop-2');
    const started = Date.now();
    const last = await coordinator.ackAndReceive(agent, next!.token, 30_000, { waitMs: 100 });
    expect(last).toEqual({ acknowledged: true, next: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('a retry due later is picked up by the wait', async () => {
    const retrying = fx.coordinator({ backoffBaseMs: 80, backoffMaxMs: 80, jitter: 'none' });
    const agent = { type: 'retry-loop' };
    await retrying.sendMessage(planner, agent, event({}, { messageId: 'retry-loop-1' }));
    await retrying.sendMessage(planner, agent, event({}, { messageId: 'retry-loop-2' }));
    const one = await retrying.receive(agent, 30_000);
    const two = await retrying.receive(agent, 30_000);
    await retrying.nack(agent, one!.token);
    const { next } = await retrying.ackAndReceive(agent, two!.token, 30_000, { waitMs: 2_000 });
    expect(next!.queueMessage.message.messageId).toBe('retry-loop-1');
    expect(next!.queueMessage.deliveryAttempts).toBe(1);
  });

  it('the base class default makes the two calls', async () => {
    const agent = { type: 'default-loop' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'default-1' }));
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'default-2' }));
    const first = await coordinator.receive(agent, 30_000);
    const result = await MessageCoordinator.prototype.ackAndReceive.call(
      coordinator,
      agent,
      first!.token,
      30_000,
    );
    expect(result.acknowledged).toBe(true);
    expect(result.next!.queueMessage.message.messageId).toBe('default-2');
  });
});
