import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  CapabilityType,
  RedisAgentRegistry,
  type RedisAgentRegistryOptions,
  type RegistryEvent,
} from '../../lib/registry';
import { AgentStore } from '../../lib/registry/agent-store';
import { CapabilityStore } from '../../lib/registry/capability-store';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';
import { TestAgent } from '../unit/registry/test-agent';

/**
 * The agent index and the capability index as deregistration, the expiry sweep, listing and
 * cleanup keep them. Each test has a prefix of its own, so listings and sweeps see only its
 * agents.
 */

const FAR = () => Date.now() + 600_000;
const capability = { name: 'index_cap', type: CapabilityType.PROCESSING, version: '1.0.0' };

let admin: Redis;
let prefix: string;
let keys: KeyLayout;
let errors: string[] = [];
const opened: RedisAgentRegistry[] = [];

function registry(extra: RedisAgentRegistryOptions = {}): RedisAgentRegistry {
  const created = new RedisAgentRegistry(createClient(), {
    keyPrefix: prefix,
    heartbeatTtlMs: 60_000,
    heartbeatIntervalMs: 5_000,
    autoHeartbeat: false,
    subscribeEvents: false,
    onError: (error, context) => errors.push(`${context}: ${error.message}`),
    ...extra,
  });
  opened.push(created);
  return created;
}

/** Registers agents `type` (instance `default`), each advertising one capability. */
async function registerAll(r: RedisAgentRegistry, ...types: string[]): Promise<TestAgent[]> {
  const agents = types.map((type) => new TestAgent({ type }));
  for (const agent of agents) {
    agent.capabilities = { capabilities: [capability] };
    await r.register(agent);
  }
  return agents;
}

/**
 * `client` as seen by a process that dies right after its first script reply arrives: every
 * command after that fails, and nothing it would have sent next reaches Redis.
 */
function lostAfterFirstScript(client: Redis): Redis {
  let lost = false;
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'defineCommand') return value;
      return (...args: unknown[]): unknown => {
        if (lost) return Promise.reject(new Error('connection lost'));
        const reply = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (typeof property === 'string' && property.startsWith('tta_')) {
          return (reply as Promise<unknown>).then((result) => {
            lost = true;
            return result;
          });
        }
        return reply;
      };
    },
  });
}

/** Moves the heartbeat deadlines of `types` into the past, as if their beats had stopped. */
async function lapse(...types: string[]): Promise<void> {
  for (const type of types) await admin.zadd(keys.agentIndex, 'XX', 1, `${type}/default`);
}

beforeAll(() => {
  admin = createClient();
});

beforeEach(() => {
  prefix = uniquePrefix('registry-index');
  keys = new KeyLayout(prefix);
  errors = [];
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
  await deleteKeys(admin, prefix);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await closeClients();
});

describe('RedisAgentRegistry: the agent and capability indexes', () => {
  it('deregister reports a record that had already left the index as existing', async () => {
    const r = registry();
    await registerAll(r, 'unindexed');
    await admin.zrem(keys.agentIndex, 'unindexed/default');
    expect(await r.deregister({ type: 'unindexed' })).toBe(true);
    expect(await admin.exists(keys.agent({ type: 'unindexed' }))).toBe(0);
  });

  it('deregister reports an index entry whose record is gone as existing', async () => {
    const r = registry();
    await admin.zadd(keys.agentIndex, FAR(), 'recordless/default');
    expect(await r.deregister({ type: 'recordless' })).toBe(true);
    expect(await admin.zscore(keys.agentIndex, 'recordless/default')).toBeNull();
    expect(await r.deregister({ type: 'recordless' })).toBe(false);
  });

  it('the expiry sweep announces the last heartbeat and drops the capability index entry', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const seen: RegistryEvent[] = [];
    r.events$.subscribe((event) => seen.push(event));
    const lapsing = new TestAgent({ type: 'lapsing' }, 'Lapsing');
    lapsing.capabilities = { capabilities: [capability] };
    const registered = await r.register(lapsing);
    await registerAll(r, 'staying');
    expect(await admin.zscore(keys.capabilityIndex, 'lapsing/default')).not.toBeNull();
    await lapse('lapsing');

    expect(await r.sweepExpired()).toEqual([{ type: 'lapsing', instance: 'default' }]);
    expect(await admin.zscore(keys.capabilityIndex, 'lapsing/default')).toBeNull();
    expect(await admin.zscore(keys.capabilityIndex, 'staying/default')).not.toBeNull();
    expect(await eventually(() => seen.some((e) => e.type === 'expired'), 10_000)).toBe(true);
    expect(seen.filter((e) => e.type === 'expired')).toEqual([
      expect.objectContaining({
        agentId: { type: 'lapsing', instance: 'default' },
        name: 'Lapsing',
        lastHeartbeat: registered.lastHeartbeat,
      }),
    ]);
  });

  it('an agent a dying sweeper got to is still announced expired, exactly once, by the next sweep', async () => {
    const listener = registry({ subscribeEvents: true });
    await listener.ready();
    const seen: RegistryEvent[] = [];
    listener.events$.subscribe((event) => seen.push(event));
    const r = registry();
    await registerAll(r, 'orphaned');
    await lapse('orphaned');
    const dying = new RedisAgentRegistry(lostAfterFirstScript(createClient()), {
      keyPrefix: prefix,
      autoHeartbeat: false,
      subscribeEvents: false,
      onError: () => undefined,
    });
    opened.push(dying);
    await expect(dying.sweepExpired()).rejects.toMatchObject({ code: 'REDIS_ERROR' });

    expect(await r.sweepExpired()).toEqual([{ type: 'orphaned', instance: 'default' }]);
    expect(await r.sweepExpired()).toEqual([]);
    // Published after any announcement on the same connection, so it arrives after them.
    await registerAll(r, 'marker');
    await r.deregister({ type: 'marker' });
    expect(await eventually(() => seen.some((e) => e.type === 'deregistered'), 10_000)).toBe(true);
    expect(seen.filter((e) => e.type === 'expired')).toEqual([
      expect.objectContaining({
        agentId: { type: 'orphaned', instance: 'default' },
        name: 'agent orphaned',
        origin: r.instanceId,
      }),
    ]);
  });

  it('the claim leaves an agent that beat since it was listed, and one already taken', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const seen: RegistryEvent[] = [];
    r.events$.subscribe((event) => seen.push(event));
    await registerAll(r, 'beating', 'taken', 'lapsed');
    await lapse('taken', 'lapsed');
    await admin.zrem(keys.agentIndex, 'taken/default');
    const store = new AgentStore(admin, keys, new CapabilityStore(admin, keys));
    const event = (type: string): string =>
      JSON.stringify({
        type: 'expired',
        agentId: { type, instance: 'default' },
        origin: 'o',
        at: 1,
      });
    const claimed = await store.claimExpired(keys.registryChannel, [
      { member: 'beating/default', event: event('beating') },
      { member: 'taken/default', event: event('taken') },
      { member: 'lapsed/default', event: event('lapsed') },
    ]);
    expect(claimed).toEqual(['lapsed/default']);
    expect(await admin.zscore(keys.agentIndex, 'beating/default')).not.toBeNull();
    expect(await eventually(() => seen.some((e) => e.type === 'expired'), 10_000)).toBe(true);
    await r.deregister({ type: 'beating' });
    expect(await eventually(() => seen.some((e) => e.type === 'deregistered'), 10_000)).toBe(true);
    expect(seen.filter((e) => e.type === 'expired').map((e) => e.agentId.type)).toEqual(['lapsed']);
  });

  it('the expiry sweep claims batch after batch until a batch comes back short', async () => {
    const r = registry({ expirySweepBatch: 2 });
    const types = ['gone1', 'gone2', 'gone3', 'gone4', 'gone5'];
    await registerAll(r, ...types, 'alive');
    await lapse(...types);
    const swept = await r.sweepExpired();
    expect(swept.map((id) => id.type).sort()).toEqual(types);
    expect(await admin.zrange(keys.agentIndex, 0, -1)).toEqual(['alive/default']);
  });

  it('listRegistered lists every indexed agent, past malformed and recordless entries', async () => {
    const r = registry();
    await registerAll(r, 'list1', 'list2', 'list3');
    await admin.zadd(keys.agentIndex, FAR(), 'not a member', FAR(), 'recordless/default');
    const listed = await r.listRegistered();
    expect(listed.map((agent) => agent.agentId.type).sort()).toEqual(['list1', 'list2', 'list3']);
    for (const agent of listed) {
      expect(agent).toMatchObject({ name: `agent ${agent.agentId.type}`, alive: true });
      expect(agent.capabilities?.capabilities.map((c) => c.name)).toEqual(['index_cap']);
    }
  });

  it('cleanupStaleCapabilities removes every orphaned entry, not only the first ones', async () => {
    const r = registry();
    const types = ['orphan1', 'orphan2', 'orphan3', 'kept'];
    await registerAll(r, ...types);
    for (const type of types.slice(0, 3)) await admin.del(keys.agent({ type }));
    expect(await r.cleanupStaleCapabilities()).toBe(3);
    expect(await admin.zrange(keys.capabilityIndex, 0, -1)).toEqual(['kept/default']);
    for (const type of types.slice(0, 3)) {
      expect(await admin.exists(keys.capabilities({ type }))).toBe(0);
    }
  });
});
