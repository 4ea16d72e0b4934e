import { DEFAULT_KEY_PREFIX, KEY_LAYOUT_VERSION, KeyLayout } from '../../../lib/common/key-layout';

describe('KeyLayout', () => {
  const keys = new KeyLayout('p');
  const agent = { type: 'worker', instance: 'i1' };

  it('has the documented defaults', () => {
    expect(DEFAULT_KEY_PREFIX).toBe('ao');
    expect(KEY_LAYOUT_VERSION).toBe(1);
    expect(keys.prefix).toBe('p');
  });

  it('tags every key of one agent with its id, the default instance filled in', () => {
    expect(keys.tag(agent)).toBe('{worker/i1}');
    expect(keys.tag({ type: 'worker' })).toBe('{worker/default}');
  });

  it('names the global keys and channels under the prefix', () => {
    expect(keys.layout).toBe('p:layout');
    expect(keys.queueIndex).toBe('p:queues');
    expect(keys.subscriptions).toBe('p:subs');
    expect(keys.subscribers('event')).toBe('p:subs:event');
    expect(keys.agentIndex).toBe('p:agents');
    expect(keys.capabilityIndex).toBe('p:caps');
    expect(keys.registryChannel).toBe('p:events:registry');
    expect(keys.breaker('db')).toBe('p:breaker:{db}');
    expect(keys.breakerIndex).toBe('p:breakers');
    expect(keys.breakerChannel).toBe('p:events:breaker');
  });

  it("names one agent's registry keys in its slot", () => {
    expect(keys.agent(agent)).toBe('p:{worker/i1}:agent');
    expect(keys.capabilities(agent)).toBe('p:{worker/i1}:caps');
  });

  it("names every key of one agent's queue in its slot", () => {
    expect(keys.queue(agent)).toEqual({
      ready: {
        9: 'p:{worker/i1}:q:ready:9',
        5: 'p:{worker/i1}:q:ready:5',
        1: 'p:{worker/i1}:q:ready:1',
      },
      delayed: 'p:{worker/i1}:q:delayed',
      reserved: 'p:{worker/i1}:q:reserved',
      bodies: 'p:{worker/i1}:q:bodies',
      attempts: 'p:{worker/i1}:q:attempts',
      errors: 'p:{worker/i1}:q:errors',
      dead: 'p:{worker/i1}:q:dead',
      dedup: 'p:{worker/i1}:q:dedup',
      seq: 'p:{worker/i1}:q:seq',
      wake: 'p:{worker/i1}:q:wake',
    });
  });
});
