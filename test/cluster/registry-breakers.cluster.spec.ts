import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import { isCircuitBreakerOpenError } from '../../lib/errors';
import type { JsonObject } from '../../lib/messaging';
import {
  RedisAgentRegistry,
  type AgentCapabilitySetInput,
  type RegistrableAgent,
  type RegistryEvent,
} from '../../lib/registry';
import { CircuitBreakerRegistry, type CircuitStateChange } from '../../lib/resilience';
import { RedisClusterFixture } from '../support/redis-cluster';

jest.setTimeout(60_000);

const TTL = 400;

function agent(instance: string, capabilities?: AgentCapabilitySetInput): RegistrableAgent {
  return {
    agentId: { type: 'cluster-agent', instance },
    name: `agent ${instance}`,
    statusSnapshot: (): JsonObject => ({ status: 'idle' }),
    getCapabilities: () => capabilities,
  };
}

async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

describe('registry and circuit breakers on a three-master Redis Cluster', () => {
  let fixture: RedisClusterFixture;
  let clusterA: Cluster;
  let clusterB: Cluster;
  let prefix: string;
  let layout: KeyLayout;
  /** Agent instances whose keys live on three different masters. */
  let instances: string[];

  beforeAll(async () => {
    fixture = await RedisClusterFixture.start();
    [clusterA, clusterB] = await Promise.all([fixture.connect(), fixture.connect()]);
    prefix = `t.cluster-rb.${randomBytes(4).toString('hex')}`;
    layout = new KeyLayout(prefix);
    const ranges = await clusterA.cluster('SLOTS');
    const owner = (slot: number) => ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    const byPort = new Map<number, string>();
    for (let i = 0; byPort.size < 3 && i < 1000; i++) {
      const key = layout.agent({ type: 'cluster-agent', instance: `i${i}` });
      const port = owner(await clusterA.cluster('KEYSLOT', key));
      if (!byPort.has(port)) byPort.set(port, `i${i}`);
    }
    instances = [...byPort.values()];
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  describe('RedisAgentRegistry', () => {
    let a: RedisAgentRegistry;
    let b: RedisAgentRegistry;
    const seen: RegistryEvent[] = [];

    beforeAll(async () => {
      const options = {
        keyPrefix: prefix,
        heartbeatTtlMs: TTL,
        heartbeatIntervalMs: 100,
      };
      a = new RedisAgentRegistry(clusterA, { ...options, autoHeartbeat: false });
      b = new RedisAgentRegistry(clusterB, options);
      await Promise.all([a.ready(), b.ready()]);
      b.events$.subscribe((event) => seen.push(event));
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('registers agents on every master; the other process lists and finds them', async () => {
      expect(instances).toHaveLength(3);
      const caps: AgentCapabilitySetInput = {
        capabilities: [{ name: 'summarize', type: 'generation', version: '1.2.0', tags: ['nlp'] }],
      };
      for (const instance of instances) await b.register(agent(instance, caps));
      await b.startHeartbeats();
      const listed = (await a.listRegistered()).map((r) => r.agentId.instance).sort();
      expect(listed).toEqual([...instances].sort());
      const found = await a.discoverCapabilities({ criteria: { capabilityName: 'summarize' } });
      expect(found.matches.map((m) => m.agentId.instance).sort()).toEqual([...instances].sort());
      // Pub/sub events cross the cluster's nodes.
      expect(
        await eventually(
          () => seen.filter((e) => e.type === 'registered').length >= instances.length,
        ),
      ).toBe(true);
    });

    it("keeps an agent's hash and capability keys in its slot", async () => {
      for (const instance of instances) {
        const id = { type: 'cluster-agent', instance };
        const slots = new Set([
          await clusterA.cluster('KEYSLOT', layout.agent(id)),
          await clusterA.cluster('KEYSLOT', layout.capabilities(id)),
          await clusterA.cluster('KEYSLOT', layout.queue(id).bodies),
        ]);
        expect(slots.size).toBe(1);
      }
    });

    it('beats, expires an agent that stops beating, and deregisters across slots', async () => {
      const mortal = agent('mortal');
      await a.register(mortal);
      const before = (await b.getAgent(mortal.agentId))!.lastHeartbeat;
      await a.heartbeat(mortal.agentId);
      expect((await b.getAgent(mortal.agentId))!.lastHeartbeat).toBeGreaterThanOrEqual(before);
      // Once the TTL has run out, b's heartbeat loop or a sweep here claims it; either way one
      // `expired` event arrives.
      const expiredMortal = () =>
        seen.some((e) => e.type === 'expired' && e.agentId.instance === 'mortal');
      const sweptAndSeen = async () => {
        await b.sweepExpired();
        return expiredMortal();
      };
      expect(await eventually(sweptAndSeen)).toBe(true);
      expect(await a.getAgent(mortal.agentId)).toMatchObject({ alive: false });
      // The beating ones (b's heartbeat loop) are alive still.
      const alive = (await a.listRegistered()).map((r) => r.agentId.instance).sort();
      expect(alive).toEqual([...instances].sort());
      for (const instance of instances)
        expect(await b.deregister({ type: 'cluster-agent', instance })).toBe(true);
      expect(await a.listRegistered()).toEqual([]);
    });
  });

  describe('CircuitBreakerRegistry', () => {
    let a: CircuitBreakerRegistry;
    let b: CircuitBreakerRegistry;

    beforeAll(() => {
      a = new CircuitBreakerRegistry(clusterA, { keyPrefix: prefix });
      b = new CircuitBreakerRegistry(clusterB, { keyPrefix: prefix });
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('shares breaker state between processes for breakers on every master', async () => {
      const config = { failureThreshold: 2, openTimeoutMs: 10_000, recoveryTimeoutMs: 20_000 };
      const changes: CircuitStateChange[] = [];
      b.stateChanges$.subscribe((change) => changes.push(change));
      const names = ['svc.alpha', 'svc.beta', 'svc.gamma', 'svc.delta', 'svc.epsilon'];
      const slots = new Set<number>();
      for (const name of names) slots.add(await clusterA.cluster('KEYSLOT', layout.breaker(name)));
      expect(slots.size).toBeGreaterThan(1);
      for (const name of names) {
        const [mine, theirs] = [await a.get(name, config), await b.get(name, config)];
        const boom = () => Promise.reject(new Error('boom'));
        for (let i = 0; i < 2; i++) await expect(mine.call(boom)).rejects.toThrow('boom');
        expect(await theirs.getState()).toBe('open');
        const error = await theirs.call(() => Promise.resolve(1)).catch((e: unknown) => e);
        expect(isCircuitBreakerOpenError(error)).toBe(true);
      }
      expect((await b.listNames()).sort()).toEqual([...names].sort());
      expect(
        await eventually(() =>
          names.every((n) => changes.some((c) => c.name === n && c.to === 'open')),
        ),
      ).toBe(true);
      expect(await a.resetAll()).toBe(names.length);
      for (const name of names) expect(await (await b.get(name)).getState()).toBe('closed');
    });
  });
});
