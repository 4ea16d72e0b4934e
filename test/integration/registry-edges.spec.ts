import { KeyLayout } from '../../lib/common/key-layout';
import { ValidationError, isRedisOperationError, isValidationError } from '../../lib/errors';
import {
  CapabilityType,
  RedisAgentRegistry,
  type RedisAgentRegistryOptions,
  type RegistrableAgent,
  type RegistryEvent,
} from '../../lib/registry';
import type { JsonObject } from '../../lib/messaging/models/agent-message';
import { unreachableClient } from '../support/redis-server';
import {
  closeClients,
  createClient,
  deleteKeys,
  describeRealRedis,
  eventually,
  sleep,
  uniquePrefix,
} from '../support/redis';
import { TestAgent } from '../unit/registry/test-agent';
import { RecordingLogger } from '../support/logger';
import type { RedisClient } from '../../lib/common/redis-client';

const prefix = uniquePrefix('registry-edges');
const keys = new KeyLayout(prefix);
const redis = createClient();
let errors: string[] = [];
const options: RedisAgentRegistryOptions = {
  keyPrefix: prefix,
  heartbeatTtlMs: 60_000,
  heartbeatIntervalMs: 5_000,
  autoHeartbeat: false,
  onError: (error, context) => errors.push(`${context}: ${error.message}`),
};
const opened: RedisAgentRegistry[] = [];
let agents = 0;

function registry(extra: RedisAgentRegistryOptions = {}): RedisAgentRegistry {
  const created = new RedisAgentRegistry(createClient(), { ...options, ...extra });
  opened.push(created);
  return created;
}

/** A fresh agent id, so tests never share records. */
function agent(name?: string): TestAgent {
  return new TestAgent({ type: `edge${++agents}` }, name);
}

const capability = { name: 'draft_text', type: CapabilityType.GENERATION, version: '1.0.0' };

/** A promise with its resolve function. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** An agent whose status snapshots, once `hold` is called, wait until released. */
class GatedAgent implements RegistrableAgent {
  readonly agentId = { type: `edge${++agents}` };
  readonly name = 'gated';
  private held: { entered: () => void; wait: Promise<void> } | null = null;
  snapshots = 0;

  hold(): { entered: Promise<void>; release: () => void } {
    const entered = gate();
    const release = gate();
    this.held = { entered: entered.open, wait: release.wait };
    return { entered: entered.wait, release: release.open };
  }

  async statusSnapshot(): Promise<JsonObject> {
    this.snapshots++;
    if (this.held) {
      this.held.entered();
      await this.held.wait;
    }
    return { status: 'idle' };
  }
}

beforeEach(() => {
  errors = [];
});

// Each test's registries close when it ends: open ones keep a channel subscription each.
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await closeClients();
});

describe('RedisAgentRegistry: edge cases', () => {
  it('refuses capability metadata and ids nested 100 000 levels deep with a ValidationError', async () => {
    const r = registry();
    const a = agent();
    await r.register(a);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const set = { capabilities: [{ ...capability, metadata: deep }] };
    const error = await r.registerCapabilities(a.agentId, set).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ rule: 'maxDepth' });
    expect((await r.getAgent(a.agentId))?.capabilities).toBeUndefined();
    await expect(r.getAgent(deep as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('on() delivers events of one kind until its stop function is called', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const registered: string[] = [];
    const all: RegistryEvent[] = [];
    r.events$.subscribe((event) => all.push(event));
    const stop = r.on('registered', (event) => registered.push(event.agentId.type));
    const first = agent();
    const second = agent();
    await r.register(first);
    expect(await eventually(() => registered.length === 1, 10_000)).toBe(true);
    stop();
    await r.register(second);
    expect(
      await eventually(() => all.some((e) => e.agentId.type === second.agentId.type), 10_000),
    ).toBe(true);
    expect(registered).toEqual([first.agentId.type]);
  });

  it('reports a malformed message on the registry channel and keeps listening', async () => {
    const reported: string[] = [];
    const r = registry({
      subscribeEvents: true,
      onError: (error, context) => reported.push(`${context}: ${error.message}`),
    });
    await r.ready();
    const all: RegistryEvent[] = [];
    r.events$.subscribe((event) => all.push(event));
    await redis.publish(keys.registryChannel, 'garbage');
    const next = agent();
    await r.register(next);
    expect(await eventually(() => all.length === 1, 10_000)).toBe(true);
    expect(all[0]).toMatchObject({ type: 'registered', agentId: next.agentId });
    expect(reported).toEqual(['event subscription: Ignored a malformed registry event: garbage']);
  });

  it('quotes at most 200 characters of a malformed message', async () => {
    const reported: string[] = [];
    const r = registry({
      subscribeEvents: true,
      onError: (error, context) => reported.push(`${context}: ${error.message}`),
    });
    await r.ready();
    await redis.publish(keys.registryChannel, `${'x'.repeat(200)}TAIL`);
    expect(await eventually(() => reported.length === 1, 10_000)).toBe(true);
    expect(reported).toEqual([
      `event subscription: Ignored a malformed registry event: ${'x'.repeat(200)}`,
    ]);
  });

  it('a beat of an agent still in the index publishes no registered event', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const seen: RegistryEvent[] = [];
    r.events$.subscribe((event) => seen.push(event));
    const a = agent();
    await r.register(a);
    await r.heartbeat(a.agentId);
    await r.heartbeat(a.agentId);
    await r.deregister(a.agentId);
    // Events arrive in publishing order: once deregistered is here, every beat's event is too.
    expect(await eventually(() => seen.some((e) => e.type === 'deregistered'), 10_000)).toBe(true);
    expect(seen.map((e) => [e.type, 'revived' in e ? e.revived : null])).toEqual([
      ['registered', false],
      ['deregistered', null],
    ]);
  });

  it('its own deregistered event, arriving late, does not stop a newer registration here', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const a = agent();
    await r.register(a);
    const arrived: string[] = [];
    r.on('deregistered', (event) => arrived.push(event.agentId.type));
    // What a deregister of an earlier registration of this id, by this very registry,
    // publishes; it can arrive after the agent was registered here again.
    await redis.publish(
      keys.registryChannel,
      JSON.stringify({
        type: 'deregistered',
        agentId: { type: a.agentId.type, instance: 'default' },
        origin: r.instanceId,
        at: Date.now(),
      }),
    );
    expect(await eventually(() => arrived.length === 1, 10_000)).toBe(true);
    await r.heartbeat(a.agentId);
    expect(a.beats).toBe(2);
  });

  it('close waits for a beat in progress', async () => {
    const r = registry();
    const a = new GatedAgent();
    await r.register(a);
    const { entered, release } = a.hold();
    const beating = r.heartbeat(a.agentId);
    await entered;
    let closed = false;
    const closing = r.close().then(() => (closed = true));
    expect(await eventually(() => closed, 100)).toBe(false);
    release();
    await Promise.all([beating, closing]);
    expect(a.snapshots).toBe(2);
  });

  it('close completes events$', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    let completed = false;
    r.events$.subscribe({ complete: () => (completed = true) });
    await r.close();
    expect(completed).toBe(true);
  });

  it('fails with RedisOperationError naming publish when an event cannot be published', async () => {
    const client = createClient();
    const r = new RedisAgentRegistry(client, options);
    opened.push(r);
    const publish = jest.spyOn(client, 'publish').mockRejectedValueOnce(new Error('refused'));
    try {
      const error = await r.register(agent()).catch((e: unknown) => e);
      expect(isRedisOperationError(error) && error.operation).toBe('publish');
    } finally {
      publish.mockRestore();
    }
  });

  it('registering an agent again in the same process replaces the first registration', async () => {
    const r = registry();
    const first = agent('first name');
    await r.register(first);
    const again = new TestAgent(first.agentId, 'second name');
    const result = await r.register(again);
    expect(result.name).toBe('second name');
    await r.heartbeat(first.agentId);
    expect(again.beats).toBe(2);
    expect(first.beats).toBe(1);
    expect((await r.getAgent(first.agentId))?.name).toBe('second name');
  });

  it('registering again waits for a beat of the first registration in progress', async () => {
    const r = registry();
    const first = new GatedAgent();
    await r.register(first);
    const { entered, release } = first.hold();
    const beating = r.heartbeat(first.agentId);
    await entered;
    const again = new TestAgent(first.agentId, 'second name');
    const registering = r.register(again);
    const stored = async (): Promise<boolean> =>
      (await redis.hget(keys.agent(first.agentId), 'name')) === 'second name';
    // The new registration is not written while the old beat is still going.
    expect(await eventually(stored, 100)).toBe(false);
    release();
    await Promise.all([beating, registering]);
    await r.heartbeat(first.agentId);
    expect([first.snapshots, again.beats]).toEqual([2, 2]);
    expect((await r.getAgent(first.agentId))?.name).toBe('second name');
  });

  it('reports a failing importState, thrown as an Error or not, and registers anyway', async () => {
    const r = registry();
    const saved = agent();
    saved.state = { step: 3 };
    await r.register(saved);
    for (const thrown of [new Error('bad state'), 'not an error']) {
      const next = new TestAgent(saved.agentId);
      next.state = { step: 3 };
      next.importState = (): void => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- agents may throw anything
        throw thrown;
      };
      errors = [];
      const result = await r.register(next);
      expect(result.stateRestored).toBe(false);
      expect(errors).toEqual([
        `importState of ${saved.agentId.type}/default: ${thrown instanceof Error ? thrown.message : thrown}`,
      ]);
    }
  });

  it('ignores a stored state that is not JSON or not an object', async () => {
    const r = registry();
    const saved = agent();
    saved.state = { step: 1 };
    await r.register(saved);
    for (const text of ['{not json', '[1,2]']) {
      await redis.hset(keys.agent(saved.agentId), 'state', text);
      const next = new TestAgent(saved.agentId);
      expect((await r.register(next)).stateRestored).toBe(false);
      expect(next.imported).toEqual([]);
    }
    expect(errors).toEqual([]);
  });

  it('refuses capabilities larger than maxRecordBytes', async () => {
    const r = registry({ maxRecordBytes: 2_048 });
    const big = agent();
    big.capabilities = {
      capabilities: Array.from({ length: 20 }, (_, i) => ({
        ...capability,
        name: `cap_${i}`,
        description: 'x'.repeat(200),
      })),
    };
    const error = await r.register(big).catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as Error).message).toContain('maxRecordBytes');
    expect(await r.getAgent(big.agentId)).toBeNull();
  });

  it('capabilities registered for a local agent are kept by its next beats', async () => {
    const r = registry();
    const a = agent();
    a.capabilities = { capabilities: [capability] };
    await r.register(a);
    expect(
      await r.registerCapabilities(a.agentId, {
        capabilities: [{ ...capability, name: 'edit_text' }],
      }),
    ).toBe(true);
    await r.heartbeat(a.agentId);
    const stored = await r.getAgentCapabilities(a.agentId);
    expect(stored?.capabilities.map((c) => c.name)).toEqual(['edit_text']);
  });

  it('lists registered agents with their capabilities', async () => {
    const r = registry();
    const a = agent();
    a.capabilities = { capabilities: [capability] };
    await r.register(a);
    const listed = (await r.listRegistered()).find((x) => x.agentId.type === a.agentId.type);
    expect(listed?.capabilities?.capabilities.map((c) => c.name)).toEqual(['draft_text']);
  });

  it('reports a failing beat of the heartbeat loop and keeps beating the others', async () => {
    const r = registry({ autoHeartbeat: true, heartbeatTtlMs: 60_000, heartbeatIntervalMs: 50 });
    const broken = agent();
    const healthy = agent();
    await r.register(broken);
    await r.register(healthy);
    broken.statusSnapshot = () => {
      throw new Error('snapshot failed');
    };
    await expect(r.heartbeat(broken.agentId)).rejects.toThrow('snapshot failed');
    const before = healthy.beats;
    expect(
      await eventually(
        () =>
          healthy.beats > before + 1 &&
          errors.includes(`heartbeat of ${broken.agentId.type}/default: snapshot failed`),
        10_000,
      ),
    ).toBe(true);
    await r.stopHeartbeats();
  });

  it('closing during a beat of the loop skips that tick’s expiry sweep', async () => {
    const r = new RedisAgentRegistry(createClient(), {
      ...options,
      autoHeartbeat: true,
      heartbeatIntervalMs: 50,
    });
    const slow = new GatedAgent();
    await r.register(slow);
    const { entered, release } = slow.hold();
    await entered;
    const closing = r.close();
    release();
    await closing;
    expect(errors).toEqual([]);
  });

  it('a beat queued behind a deregistration does nothing and the agent stays gone', async () => {
    const r = registry();
    const a = new GatedAgent();
    await r.register(a);
    const { entered, release } = a.hold();
    const firstBeat = r.heartbeat(a.agentId);
    await entered;
    const queuedBeat = r.heartbeat(a.agentId);
    const deregistering = r.deregister(a.agentId);
    release();
    await Promise.all([firstBeat, queuedBeat]);
    expect(await deregistering).toBe(true);
    // Registration and the first beat only: the queued beat saw the agent gone and did nothing.
    expect(a.snapshots).toBe(2);
    expect(await r.getAgent(a.agentId)).toBeNull();
    expect(await redis.zscore(keys.agentIndex, `${a.agentId.type}/default`)).toBeNull();
  });

  it('the expiry sweep skips malformed index members and announces records already gone', async () => {
    const r = registry({ subscribeEvents: true });
    await r.ready();
    const all: RegistryEvent[] = [];
    r.events$.subscribe((event) => all.push(event));
    await redis.zadd(keys.agentIndex, 1, 'not a member', 2, 'vanished/default');
    const expired = await r.sweepExpired();
    expect(expired).toEqual([{ type: 'vanished', instance: 'default' }]);
    expect(await redis.zscore(keys.agentIndex, 'not a member')).toBeNull();
    expect(await eventually(() => all.length === 1, 10_000)).toBe(true);
    expect(all[0]).toMatchObject({ type: 'expired', agentId: { type: 'vanished' } });
    expect(all[0]).not.toHaveProperty('name');
    expect(all[0]).not.toHaveProperty('lastHeartbeat');
  });

  it('discovery skips malformed index members and sets that are gone, and forgets unindexed ones', async () => {
    const r = registry();
    const kept = agent();
    const dropped = agent();
    const wanted = { ...capability, name: 'discovery_edge' };
    kept.capabilities = { capabilities: [wanted] };
    dropped.capabilities = { capabilities: [wanted] };
    await r.register(kept);
    await r.register(dropped);
    const far = Date.now() + 600_000;
    await redis.zadd(keys.agentIndex, far, 'bad member', far, 'setless/default');
    await redis.zadd(keys.capabilityIndex, 1, 'bad member', 1, 'setless/default');
    const criteria = { capabilityName: 'discovery_edge' };
    const first = await r.discoverCapabilities({ criteria });
    expect(first.skipped).toEqual([{ agentId: 'bad member', reason: 'malformed index member' }]);
    const found = (response: typeof first): string[] => response.matches.map((m) => m.agentId.type);
    expect(found(first).sort()).toEqual([kept.agentId.type, dropped.agentId.type].sort());
    await redis.zrem(keys.capabilityIndex, `${dropped.agentId.type}/default`);
    const second = await r.discoverCapabilities({ criteria });
    expect(found(second)).toEqual([kept.agentId.type]);
    expect(await r.cleanupStaleCapabilities()).toBe(2);
    expect(await redis.zscore(keys.capabilityIndex, 'bad member')).toBeNull();
    expect(await redis.zscore(keys.capabilityIndex, 'setless/default')).toBeNull();
    await redis.zrem(keys.agentIndex, 'bad member', 'setless/default');
  });
});

describeRealRedis('RedisAgentRegistry: Redis failures', () => {
  it('getAgent fails with RedisOperationError when the capability set cannot be read', async () => {
    const r = registry();
    const a = agent();
    await r.register(a);
    await redis.del(keys.capabilities(a.agentId));
    await redis.hset(keys.capabilities(a.agentId), 'not', 'a string');
    const error = await r.getAgent(a.agentId).catch((e: unknown) => e);
    expect(isRedisOperationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/WRONGTYPE/);
  });

  it('a beat fails with RedisOperationError naming heartbeat', async () => {
    const r = registry();
    const a = agent();
    await r.register(a);
    await redis.del(keys.agent(a.agentId));
    await redis.set(keys.agent(a.agentId), 'not a hash');
    const error = await r.heartbeat(a.agentId).catch((e: unknown) => e);
    expect(isRedisOperationError(error) && error.operation).toBe('heartbeat');
    expect((error as Error).message).toMatch(/WRONGTYPE/);
    await redis.del(keys.agent(a.agentId));
  });

  it('close unsubscribes from the registry channel', async () => {
    const channel = keys.registryChannel;
    const subscribers = async (): Promise<number> =>
      Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    const r = registry({ subscribeEvents: true });
    await r.ready();
    expect(await subscribers()).toBe(1);
    await r.close();
    expect(await subscribers()).toBe(0);
  });

  it('reports a failing expiry sweep of the heartbeat loop', async () => {
    const own = uniquePrefix('registry-edges-sweep');
    const ownKeys = new KeyLayout(own);
    const r = registry({ keyPrefix: own, autoHeartbeat: true, heartbeatIntervalMs: 50 });
    try {
      await r.startHeartbeats();
      await redis.set(ownKeys.agentIndex, 'not a sorted set');
      expect(
        await eventually(() => errors.some((e) => /^expiry sweep: .*WRONGTYPE/.test(e)), 10_000),
      ).toBe(true);
      await r.stopHeartbeats();
    } finally {
      await deleteKeys(redis, own);
    }
  });

  it('names the operation that failed in every RedisOperationError', async () => {
    const dead = await unreachableClient();
    const r = new RedisAgentRegistry(dead, options);
    const a = agent();
    const calls: [string, () => Promise<unknown>][] = [
      ['register', () => r.register(a)],
      ['deregister', () => r.deregister(a.agentId)],
      ['sweepExpired', () => r.sweepExpired()],
      ['listRegistered', () => r.listRegistered()],
      ['getAgent', () => r.getAgent(a.agentId)],
      [
        'registerCapabilities',
        () => r.registerCapabilities(a.agentId, { capabilities: [capability] }),
      ],
      ['getAgentCapabilities', () => r.getAgentCapabilities(a.agentId)],
      ['listAllCapabilities', () => r.listAllCapabilities()],
      ['discoverCapabilities', () => r.discoverCapabilities({ criteria: {} })],
      ['cleanupStaleCapabilities', () => r.cleanupStaleCapabilities()],
      ['matchingStatistics', () => r.matchingStatistics()],
    ];
    try {
      for (const [operation, call] of calls) {
        const error = await call().catch((e: unknown) => e);
        expect(isRedisOperationError(error) && error.operation).toBe(operation);
      }
    } finally {
      await r.close();
      dead.disconnect();
    }
  });

  it('reports a subscription that cannot be made and still closes', async () => {
    const dead = await unreachableClient();
    const logger = new RecordingLogger();
    const r = new RedisAgentRegistry(dead, { ...options, subscribeEvents: true, logger });
    try {
      const failure = await r.ready().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Error);
      // The rejected SUBSCRIBE goes to onError; the duplicated connection's error to the logger.
      expect(errors).toEqual([`event subscription: ${(failure as Error).message}`]);
      const connection = /^waiting for Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED/;
      expect(await eventually(() => logger.matching(connection).length === 1)).toBe(true);
      await expect(r.close()).resolves.toBeUndefined();
    } finally {
      dead.disconnect();
    }
  });

  it('close stops the subscriber reconnecting even when QUIT cannot be sent', async () => {
    // Without an offline queue QUIT is refused while the connection is down, and without the
    // disconnect that follows the duplicated connection would retry (and report) for ever.
    const dead = await unreachableClient({ enableOfflineQueue: false, retryStrategy: () => 10 });
    const duplicates: RedisClient[] = [];
    const duplicate = dead.duplicate.bind(dead);
    jest.spyOn(dead, 'duplicate').mockImplementation((override) => {
      const connection = duplicate(override);
      duplicates.push(connection);
      return connection;
    });
    const logger = new RecordingLogger();
    const r = new RedisAgentRegistry(dead, { ...options, subscribeEvents: true, logger });
    try {
      await expect(r.ready()).rejects.toThrow();
      expect(await eventually(() => logger.matching(/ECONNREFUSED/).length > 0)).toBe(true);
      expect(duplicates).toHaveLength(1);
      let retries = 0;
      duplicates[0].on('reconnecting', () => retries++);
      expect(await eventually(() => retries >= 2)).toBe(true);
      await r.close();
      const reported = retries;
      await sleep(100);
      expect(retries).toBe(reported);
      // One line for the whole outage, however often the connection retried.
      expect(logger.matching(/ECONNREFUSED/)).toHaveLength(1);
    } finally {
      dead.disconnect();
    }
  });
});
