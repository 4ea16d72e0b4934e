import { MessageCoordinator, MessagePriority } from '../../lib/messaging';
import { whileWaiting } from '../support/wait';
import { CoordinatorFixture, EMPTY_QUEUE, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: release', () => {
  const fx = new CoordinatorFixture('release');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  it('puts released messages back at the front in the order they were reserved, counting no attempt', async () => {
    const agent = { type: 'releasing' };
    for (const id of ['rel-one', 'rel-two', 'rel-three', 'rel-four']) {
      await coordinator.sendMessage(planner, agent, event({}, { messageId: id }));
    }
    const taken = await coordinator.receiveMany(agent, 3, 30_000);
    expect(taken.map((d) => d.queueMessage.message.messageId)).toEqual([
      'rel-one',
      'rel-two',
      'rel-three',
    ]);
    expect(
      await coordinator.release(
        agent,
        taken.map((d) => d.token),
      ),
    ).toBe(3);
    expect(await coordinator.stats(agent)).toEqual({ ...EMPTY_QUEUE, ready: 4 });
    const again = await coordinator.receiveMany(agent, 4, 30_000);
    expect(again.map((d) => d.queueMessage.message.messageId)).toEqual([
      'rel-one',
      'rel-two',
      'rel-three',
      'rel-four',
    ]);
    // Never handed to a handler, so never a delivery attempt.
    expect(again.map((d) => d.queueMessage.deliveryAttempts)).toEqual([0, 0, 0, 0]);
    // The released tokens went stale; the new ones work.
    expect(await coordinator.ack(agent, taken[0].token)).toBe(false);
    for (const delivery of again) expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    expect(await coordinator.stats(agent)).toEqual(EMPTY_QUEUE);
  });

  it('returns each message to the list of its priority, and keeps a retried one’s attempts', async () => {
    const agent = { type: 'releasing-priorities' };
    await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'rel-low', priority: MessagePriority.LOW }),
    );
    await coordinator.sendMessage(
      planner,
      agent,
      event({}, { messageId: 'rel-high', priority: MessagePriority.HIGH }),
    );
    const high = await coordinator.receive(agent, 30_000);
    expect(await coordinator.nack(agent, high!.token, 'transient', 'flaky')).toBe('retried');
    await fx.makeDue(agent, 'rel-high');
    const [retried, low] = await coordinator.receiveMany(agent, 2, 30_000);
    expect(retried.queueMessage).toMatchObject({ deliveryAttempts: 1, lastError: 'flaky' });
    expect(await coordinator.release(agent, [retried.token, low.token])).toBe(2);
    const [first, second] = await coordinator.receiveMany(agent, 2, 30_000);
    expect(first.queueMessage).toMatchObject({
      message: { messageId: 'rel-high' },
      deliveryAttempts: 1,
      lastError: 'flaky',
    });
    expect(second.queueMessage.message.messageId).toBe('rel-low');
    await coordinator.ackAndReceiveMany(agent, [first.token, second.token], 1);
  });

  it('skips tokens that are no longer reserved, and releases nothing for an empty list', async () => {
    const agent = { type: 'releasing-stale' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'rel-stale-1' }));
    const delivery = await coordinator.receive(agent, 30_000);
    expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
    expect(await coordinator.release(agent, [delivery!.token, '1:0:never-issued'])).toBe(0);
    expect(await coordinator.release(agent, [])).toBe(0);
    expect(await coordinator.stats(agent)).toEqual(EMPTY_QUEUE);
  });

  it('wakes a receiver waiting for the agent', async () => {
    const agent = { type: 'releasing-wakes' };
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'rel-wake-1' }));
    const held = await coordinator.receive(agent, 30_000);
    const other = fx.coordinator();
    const delivery = await whileWaiting(
      other,
      () => other.receive(agent, 30_000, { waitMs: 20_000 }),
      async () => {
        expect(await coordinator.release(agent, [held!.token])).toBe(1);
      },
    );
    expect(delivery?.queueMessage.message.messageId).toBe('rel-wake-1');
    expect(await other.ack(agent, delivery!.token)).toBe(true);
  });

  it('rejects what is not a list of delivery tokens before touching Redis', async () => {
    const agent = { type: 'releasing-bad' };
    await expect(coordinator.release(agent, 'tok' as unknown as string[])).rejects.toMatchObject({
      field: 'tokens',
    });
    await expect(coordinator.release(agent, ['not a token'])).rejects.toMatchObject({
      field: 'token',
    });
    await expect(coordinator.release({ type: 'bad id!' }, [])).rejects.toMatchObject({
      field: 'agentId.type',
    });
  });

  it('by default releases nothing, leaving the reservations to recovery', async () => {
    const minimal = Object.create(MessageCoordinator.prototype) as MessageCoordinator;
    expect(await minimal.release({ type: 'any' }, ['1:0:abcdefgh'])).toBe(0);
  });
});
