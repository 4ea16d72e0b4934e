import type Redis from 'ioredis';
import { performance } from 'node:perf_hooks';
import { KeyLayout } from '../../lib/common/key-layout';
import { isValidationError } from '../../lib/errors';
import {
  RedisAgentRegistry,
  type AgentCapabilitySetInput,
  type RedisAgentRegistryOptions,
} from '../../lib/registry';
import {
  backend,
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  keysUnder,
  uniquePrefix,
} from '../support/redis';
import { serverNow, untilServerTimePasses } from '../support/wait';
import { TestAgent } from '../unit/registry/test-agent';

const prefix = uniquePrefix('registry-discovery');
const layout = new KeyLayout(prefix);
const TTL = backend === 'redis' ? 400 : 5_000;
const options: RedisAgentRegistryOptions = {
  keyPrefix: prefix,
  heartbeatTtlMs: TTL,
  heartbeatIntervalMs: 100,
  autoHeartbeat: false,
  subscribeEvents: false,
  onError: (error) => errors.push(error.message),
};

let errors: string[] = [];
let admin: Redis;
let clientA: Redis;
let clientB: Redis;
let a: RedisAgentRegistry;
let b: RedisAgentRegistry;

function caps(
  version: string,
  extra: Partial<AgentCapabilitySetInput> = {},
): AgentCapabilitySetInput {
  return {
    capabilities: [{ name: 'summarize', type: 'generation', version, tags: ['nlp'] }],
    lastUpdated: '2024-01-02T03:04:05.000Z',
    ...extra,
  };
}

async function registerWith(type: string, set?: AgentCapabilitySetInput): Promise<TestAgent> {
  const agent = new TestAgent({ type });
  agent.capabilities = set;
  await a.register(agent);
  return agent;
}

const found = async (criteria = { capabilityName: 'summarize' }) =>
  (await b.discoverCapabilities({ criteria })).matches.map(
    (m) => `${m.agentId.type}@${m.capability.version}`,
  );

beforeAll(() => {
  [admin, clientA, clientB] = [createClient(), createClient(), createClient()];
});

beforeEach(() => {
  a = new RedisAgentRegistry(clientA, options);
  b = new RedisAgentRegistry(clientB, options);
});

afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
  await deleteKeys(admin, prefix);
  expect(errors).toEqual([]);
  errors = [];
});

afterAll(async () => {
  await closeClients();
});

describe('capabilities in Redis', () => {
  it('stores advertised capabilities and reads them back in another process', async () => {
    await registerWith('writer', caps('1.2.0', { priority: 7 }));
    const set = await b.getAgentCapabilities({ type: 'writer' });
    expect(set?.toJSON()).toMatchObject({
      agentId: { type: 'writer', instance: 'default' },
      priority: 7,
      lastUpdated: '2024-01-02T03:04:05.000Z',
      capabilities: [{ name: 'summarize', version: '1.2.0', status: 'active', scope: 'session' }],
    });
    expect((await b.listAllCapabilities()).map((s) => s.agentKey)).toEqual(['writer/default']);
    expect((await b.getAgent({ type: 'writer' }))?.capabilities?.priority).toBe(7);
  });

  it('registers capabilities for a registered agent only', async () => {
    await registerWith('plain');
    expect(await b.registerCapabilities({ type: 'plain' }, caps('3.0.0'))).toBe(true);
    expect(await found()).toEqual(['plain@3.0.0']);
    expect(await b.registerCapabilities({ type: 'ghost' }, caps('1.0.0'))).toBe(false);
    expect((await keysUnder(admin, prefix)).filter((k) => k.includes('ghost'))).toEqual([]);
  });

  it('refuses bad capability data with typed errors and writes nothing', async () => {
    await registerWith('strict');
    const before = await keysUnder(admin, prefix);
    const bad: unknown[] = [
      { capabilities: [{ name: 'Upper', type: 'generation', version: '1.0.0' }] },
      { capabilities: [{ name: 'ok', type: 'generation', version: '1.0' }] },
      { capabilities: [], loadFactor: 2 },
    ];
    for (const set of bad) {
      const error: unknown = await b
        .registerCapabilities({ type: 'strict' }, set as AgentCapabilitySetInput)
        .catch((e: unknown) => e);
      expect(isValidationError(error)).toBe(true);
    }
    const error: unknown = await b
      .registerCapabilities({ type: 'no/slash' }, caps('1.0.0'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ field: 'agentId.type', rule: 'matches' });
    expect(await keysUnder(admin, prefix)).toEqual(before);
    expect(await b.getAgentCapabilities({ type: 'strict' })).toBeNull();
  });

  it('sees a changed capability set at once (the parsed-set cache follows revisions)', async () => {
    const agent = await registerWith('evolving', caps('1.0.0'));
    expect(await found()).toEqual(['evolving@1.0.0']);
    agent.capabilities = caps('1.1.0');
    await a.heartbeat({ type: 'evolving' });
    expect(await found()).toEqual(['evolving@1.1.0']);
    await b.registerCapabilities({ type: 'evolving' }, caps('2.0.0'));
    expect(await found()).toEqual(['evolving@2.0.0']);
  });

  it('checks each cached set against its own revision, not its index neighbour’s', async () => {
    await registerWith('first', caps('1.0.0'));
    await registerWith('second', caps('1.0.0'));
    expect((await found()).sort()).toEqual(['first@1.0.0', 'second@1.0.0']);
    await b.registerCapabilities({ type: 'second' }, caps('2.0.0'));
    expect((await found()).sort()).toEqual(['first@1.0.0', 'second@2.0.0']);
  });

  it('reads a stored set only when its revision moved, and only for live agents', async () => {
    await registerWith('reread', caps('1.0.0'));
    await registerWith('lapsed', caps('1.0.0'));
    await registerWith('setless');
    await admin.zrem(layout.agentIndex, 'lapsed/default');
    await admin.zadd(layout.capabilityIndex, 1, 'setless/default');
    const get = jest.spyOn(clientB, 'get');
    const reads = (): string[] => get.mock.calls.splice(0).map(([key]) => String(key));
    try {
      expect(await found()).toEqual(['reread@1.0.0']);
      expect(reads().sort()).toEqual(
        [layout.capabilities({ type: 'reread' }), layout.capabilities({ type: 'setless' })].sort(),
      );
      expect(await found()).toEqual(['reread@1.0.0']);
      expect(reads()).toEqual([]);
      await a.registerCapabilities({ type: 'reread' }, caps('1.1.0'));
      expect(await found()).toEqual(['reread@1.1.0']);
      expect(reads()).toEqual([layout.capabilities({ type: 'reread' })]);
    } finally {
      get.mockRestore();
    }
  });

  it('does not rewrite an unchanged set on a beat', async () => {
    const agent = await registerWith('steady', { capabilities: caps('1.0.0').capabilities });
    const revision = await admin.zscore(layout.capabilityIndex, 'steady/default');
    // A rewrite now would be stamped at a later millisecond of the server's clock.
    await untilServerTimePasses(admin, await serverNow(admin));
    await a.heartbeat({ type: 'steady' });
    expect(await admin.zscore(layout.capabilityIndex, 'steady/default')).toBe(revision);
    agent.capabilities = caps('1.0.1');
    await a.heartbeat({ type: 'steady' });
    expect(await admin.zscore(layout.capabilityIndex, 'steady/default')).not.toBe(revision);
  });

  it('skips and reports malformed capability data instead of failing', async () => {
    await registerWith('good', caps('1.0.0'));
    await registerWith('garbled', caps('1.0.0'));
    await registerWith('invalid', caps('1.0.0'));
    const garbled = { type: 'garbled', instance: 'default' };
    const invalid = { type: 'invalid', instance: 'default' };
    await admin.set(layout.capabilities(garbled), '{not json');
    await admin.zadd(layout.capabilityIndex, 1, 'garbled/default');
    await admin.set(
      layout.capabilities(invalid),
      JSON.stringify({ capabilities: [{ name: 'x', type: 'generation', version: 'one' }] }),
    );
    await admin.zadd(layout.capabilityIndex, 2, 'invalid/default');

    const response = await b.discoverCapabilities({ criteria: { capabilityName: 'summarize' } });
    expect(response.matches.map((m) => m.agentId.type)).toEqual(['good']);
    expect(response.totalAgentsSearched).toBe(1);
    expect(response.skipped.map((s) => s.agentId).sort()).toEqual([
      'garbled/default',
      'invalid/default',
    ]);
    expect(response.skipped.find((s) => s.agentId === 'invalid/default')?.reason).toMatch(
      /version/,
    );
    const stats = await b.matchingStatistics();
    expect(stats.skipped).toHaveLength(2);
    await expect(b.getAgentCapabilities(garbled)).rejects.toMatchObject({
      field: 'stored',
      rule: 'isJson',
      message: expect.stringMatching(/^Invalid stored: is not JSON: /) as unknown,
    });
    await expect(b.getAgentCapabilities(invalid)).rejects.toMatchObject({
      field: 'stored.capabilities.0.version',
    });
    expect((await b.getAgent(garbled))?.capabilities).toBeUndefined();
    expect(errors).toHaveLength(1); // getAgent reported the unreadable set
    errors = [];
  });

  it('answers an empty registry with no matches and zero counts', async () => {
    const before = performance.now();
    const response = await b.discoverCapabilities({ criteria: {} });
    const elapsed = performance.now() - before;
    expect(response).toMatchObject({ matches: [], totalAgentsSearched: 0, skipped: [] });
    expect(response.searchDurationMs).toBeGreaterThanOrEqual(0);
    expect(response.searchDurationMs).toBeLessThanOrEqual(elapsed);
    expect(await b.matchingStatistics()).toMatchObject({
      totalAgents: 0,
      aliveAgents: 0,
      capabilitySets: 0,
      averageLoadFactor: 0,
    });
  });

  it('counts capabilities of live agents in matchingStatistics', async () => {
    await registerWith('one', caps('1.0.0', { loadFactor: 0.2 }));
    await registerWith('two', {
      loadFactor: 0.6,
      capabilities: [
        { name: 'store', type: 'storage', version: '1.0.0' },
        { name: 'old', type: 'storage', version: '0.1.0', status: 'deprecated' },
      ],
    });
    const stats = await b.matchingStatistics();
    expect(stats).toMatchObject({
      totalAgents: 2,
      aliveAgents: 2,
      capabilitySets: 2,
      totalCapabilities: 3,
      activeCapabilities: 2,
      capabilitiesByType: { generation: 1, storage: 2 },
      matchingStrategy: 'weighted',
      matchWeights: { name: 0.4, type: 0.3, version: 0.2, performance: 0.1 },
    });
    expect(stats.averageLoadFactor).toBeCloseTo(0.4);
  });

  it('uses the registry strategy unless the request names one', async () => {
    const fuzzy = new RedisAgentRegistry(clientB, { ...options, matchingStrategy: 'fuzzy' });
    try {
      await registerWith('speller', caps('1.0.0'));
      const response = await fuzzy.discoverCapabilities({
        criteria: { capabilityName: 'sumarize' },
      });
      expect(response.strategy).toBe('fuzzy');
      expect(response.matches).toHaveLength(1);
      const exact = await fuzzy.discoverCapabilities({
        criteria: { capabilityName: 'sumarize' },
        strategy: 'exact',
      });
      expect(exact.matches).toEqual([]);
    } finally {
      await fuzzy.close();
    }
  });

  it('leaves lapsed agents out of discovery', async () => {
    await registerWith('lapsing', caps('1.0.0'));
    expect(await found()).toEqual(['lapsing@1.0.0']);
    // No beats (autoHeartbeat is off): it lapses once the TTL has run out.
    expect(await eventually(async () => (await found()).length === 0, 5_000)).toBe(true);
    expect(await found()).toEqual([]);
    expect(await b.listAllCapabilities()).toEqual([]);
  });

  it('cleans up capability data whose agent record is gone', async () => {
    await registerWith('kept', caps('1.0.0'));
    await registerWith('orphaned', caps('1.0.0'));
    await admin.del(layout.agent({ type: 'orphaned' }));
    expect(await b.cleanupStaleCapabilities()).toBe(1);
    expect(await admin.zrange(layout.capabilityIndex, 0, -1)).toEqual(['kept/default']);
    expect(await admin.exists(layout.capabilities({ type: 'orphaned' }))).toBe(0);
    expect(await b.cleanupStaleCapabilities()).toBe(0);
  });
});
