import { Agent, MessageType, OnAgentMessage } from '../../../lib';
import { createMockRedis, createTestingCoordination } from '../../../lib/testing';

@Agent({ type: 'counted' })
class CountedAgent {
  handled = 0;

  @OnAgentMessage(MessageType.EVENT)
  handle() {
    this.handled += 1;
  }
}

describe('AgentTestingClient and createTestingCoordination helpers', () => {
  it('refuses a delivery the coordinator does not accept, and reports queue counts', async () => {
    const testing = await createTestingCoordination({ providers: [CountedAgent] });
    try {
      const agent = testing.get(CountedAgent);
      const message = { messageId: 'duplicate-0001', payload: {} };
      expect((await testing.client.deliver({ type: 'counted' }, message)).outcome).toBe('acked');
      await expect(testing.client.deliver({ type: 'counted' }, message)).rejects.toThrow(
        'message duplicate-0001 was not accepted: duplicate',
      );
      expect(agent.handled).toBe(1);
      expect(await testing.client.stats({ type: 'counted' })).toEqual({
        ready: 0,
        delayed: 0,
        reserved: 0,
        deadLettered: 0,
      });
    } finally {
      await testing.close();
    }
  });

  it('creates the in-memory Redis from an ioredis-mock that exports { default }', async () => {
    const RedisMock = jest.requireActual<typeof import('ioredis-mock')>('ioredis-mock');
    jest.doMock('ioredis-mock', () => ({ default: RedisMock }));
    try {
      const redis = createMockRedis();
      await redis.set('k', 'v');
      expect(await redis.get('k')).toBe('v');
      expect(redis).toBeInstanceOf(RedisMock);
      redis.disconnect();
    } finally {
      jest.dontMock('ioredis-mock');
    }
  });
});
