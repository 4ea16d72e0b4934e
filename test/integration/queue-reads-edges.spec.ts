import { MessagePriority } from '../../lib/messaging';
import { CoordinatorFixture } from './coordinator-fixture';

describe('RedisMessageCoordinator: queue reads of odd stored values', () => {
  const fx = new CoordinatorFixture('reads-edges');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  it('oldestReadyAt reads the enqueue time only from the start of a stored body', async () => {
    const agent = { type: 'odd-prefix' };
    const keys = fx.keys.queue(agent);
    // Digits and a colon, but not at the start: no enqueue time to read.
    await fx.client.rpush(keys.ready[MessagePriority.HIGH], 'prefixed-1');
    await fx.client.hset(keys.bodies, 'prefixed-1', 'v1700000000000:5:{}');
    expect(await coordinator.oldestReadyAt(agent)).toBeNull();
    await fx.client.hset(keys.bodies, 'prefixed-1', '1700000000000:5:{}');
    expect(await coordinator.oldestReadyAt(agent)).toBe(new Date(1700000000000).toISOString());
  });
});
