import { MessageType } from '../../lib/messaging';
import { CoordinatorFixture, planner } from './coordinator-fixture';

/**
 * The coordinator keeps the key lists of the queues it receives from, up to 1 000 agent types
 * and 1 000 instances of a type; past that it starts over. Receiving stays right either way.
 */
describe('RedisMessageCoordinator: key lists kept per agent', () => {
  const fx = new CoordinatorFixture('queue-cache');
  const coordinator = fx.coordinator();
  /** One more than the coordinator keeps. */
  const PAST_THE_BOUND = 1_001;

  afterAll(() => fx.teardown());

  async function sendTo(agent: { type: string; instance?: string }, messageId: string) {
    const result = await coordinator.sendMessage(planner, agent, {
      messageId,
      messageType: MessageType.EVENT,
      payload: {},
    });
    expect(result.delivered).toBe(true);
  }

  it('still receives for an agent after more agent types than it keeps', async () => {
    const first = { type: 'cached-first' };
    expect(await coordinator.receive(first, 1_000, { waitMs: 0 })).toBeNull();
    await sendTo(first, 'cached-first-1');
    for (let i = 0; i < PAST_THE_BOUND; i++) {
      expect(
        await coordinator.receive({ type: `cached-type-${i}` }, 1_000, { waitMs: 0 }),
      ).toBeNull();
    }
    const delivery = await coordinator.receive(first, 1_000, { waitMs: 0 });
    expect(delivery?.queueMessage.message.messageId).toBe('cached-first-1');
    expect(await coordinator.ack(first, delivery!.token)).toBe(true);
  });

  it('still receives for an instance after more instances of its type than it keeps', async () => {
    const first = { type: 'cached-many', instance: 'first' };
    expect(await coordinator.receive(first, 1_000, { waitMs: 0 })).toBeNull();
    await sendTo(first, 'cached-many-1');
    for (let i = 0; i < PAST_THE_BOUND; i++) {
      const other = { type: 'cached-many', instance: `i${i}` };
      expect(await coordinator.receive(other, 1_000, { waitMs: 0 })).toBeNull();
    }
    const delivery = await coordinator.receive(first, 1_000, { waitMs: 0 });
    expect(delivery?.queueMessage.message.messageId).toBe('cached-many-1');
    expect(await coordinator.ack(first, delivery!.token)).toBe(true);
  });
});
