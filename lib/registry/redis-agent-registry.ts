import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Observable } from 'rxjs';
import { KeyLayout } from '../common/key-layout';
import { runLuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import {
  ClosedError,
  RedisOperationError,
  ValidationError,
  isAgentCoordinationError,
  isValidationError,
} from '../errors';
import {
  formatAgentId,
  parseAgentId,
  type AgentId,
  type ResolvedAgentId,
} from '../messaging/models/agent-id';
import {
  checkAgentId,
  decodeAgentRecord,
  diffStatus,
  parseState,
  serverMillis,
  snapshotAgent,
  type AgentSnapshot,
} from './agent-record';
import { AgentRegistry } from './agent-registry';
import { countCapabilities } from './capability-statistics';
import { matchCapabilities } from './capability-matcher';
import { CapabilityStore } from './capability-store';
import { HeartbeatLoop } from './heartbeat-loop';
import { toCapabilitySet } from './models/capability.dto';
import type { AgentCapabilitySet, AgentCapabilitySetInput } from './models/capability.models';
import { resolveDiscoveryRequest } from './models/discovery.dto';
import type {
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  MatchingStatistics,
} from './models/discovery.models';
import type {
  JsonObject,
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
} from './models/registered-agent';
import {
  RegistryEventChannel,
  type RegistryEvent,
  type RegistryEventOf,
  type RegistryEventType,
} from './registry.events';
import {
  resolveRegistryOptions,
  type RedisAgentRegistryOptions,
  type ResolvedRegistryOptions,
} from './registry.options';
import { RegistryScripts, WriteAgentResult } from './registry-scripts';

/** An agent registered by this process. */
interface LocalAgent {
  agent: RegistrableAgent;
  id: ResolvedAgentId;
  member: string;
  /** Token of this incarnation; a newer registration elsewhere replaces it. */
  owner: string;
  /** What the last successful write stored. */
  last: AgentSnapshot;
  /** Set by `registerCapabilities`; replaces `getCapabilities()` on later beats. */
  override?: AgentCapabilitySet;
  /** Beats and deregistration of one agent run one after another. */
  busy: Promise<void>;
}

type WithoutStamp<E> = E extends RegistryEvent ? Omit<E, 'origin' | 'at'> : never;
/** An event before `origin` and `at` are stamped on it. */
type EventBody = WithoutStamp<RegistryEvent>;

/**
 * {@link AgentRegistry} on Redis. Each agent is a hash (plus a capability string) under its
 * own hash tag; two sorted sets index agents by heartbeat deadline and capability sets by
 * revision, so nothing scans the keyspace and every script touches one slot.
 */
export class RedisAgentRegistry extends AgentRegistry {
  /** Identifies this instance as the `origin` of the events it publishes. */
  readonly instanceId = randomUUID();
  /** @inheritdoc */
  readonly events$: Observable<RegistryEvent>;
  private readonly options: ResolvedRegistryOptions;
  private readonly layout: KeyLayout;
  private readonly store: CapabilityStore;
  private readonly channel: RegistryEventChannel;
  private readonly loop: HeartbeatLoop;
  private readonly local = new Map<string, LocalAgent>();
  private closed = false;

  /**
   * @param redis a connection the caller owns and closes
   * @throws ConfigurationError for invalid options
   */
  constructor(
    private readonly redis: RedisClient,
    options?: RedisAgentRegistryOptions,
  ) {
    super();
    this.options = resolveRegistryOptions(options);
    this.layout = new KeyLayout(this.options.keyPrefix);
    this.store = new CapabilityStore(redis, this.layout);
    this.channel = new RegistryEventChannel(
      redis,
      this.layout.registryChannel,
      (error) => this.options.onError(error, 'event subscription'),
      this.options.subscribeEvents,
    );
    this.events$ = this.channel.events$;
    this.loop = new HeartbeatLoop(this.options.heartbeatIntervalMs, () => this.tick());
    this.channel.on('deregistered', (event) => {
      // Deregistered by another process: stop beating it here, or the next beat revives it.
      if (event.origin !== this.instanceId) this.local.delete(formatAgentId(event.agentId));
    });
  }

  /** The resolved heartbeat interval in ms. */
  get heartbeatIntervalMs(): number {
    return this.options.heartbeatIntervalMs;
  }

  /** @inheritdoc */
  async register(agent: RegistrableAgent): Promise<RegistrationResult> {
    this.assertOpen();
    const id = checkAgentId(agent.agentId, 'agent.agentId');
    const member = formatAgentId(id);
    const stored = await this.call('register', () =>
      this.redis.hget(this.layout.agent(id), 'state'),
    );
    const state = parseState(stored ?? undefined);
    let stateRestored = false;
    if (state && agent.importState) {
      try {
        await agent.importState(state);
        stateRestored = true;
      } catch (error) {
        this.options.onError(error as Error, `importState of ${member}`);
      }
    }
    const snapshot = await snapshotAgent(agent, id, this.options.maxRecordBytes);
    const previous = this.local.get(member);
    if (previous) {
      this.local.delete(member);
      await previous.busy;
    }
    const entry: LocalAgent = {
      agent,
      id,
      member,
      owner: randomUUID(),
      last: snapshot,
      busy: Promise.resolve(),
    };
    const written = await this.call('register', () => this.write('register', entry, snapshot));
    this.local.set(member, entry);
    await this.publish({
      type: 'registered',
      agentId: id,
      name: snapshot.name,
      status: snapshot.status,
      revived: false,
    });
    if (this.options.autoHeartbeat) this.loop.start();
    const result: RegistrationResult = {
      agentId: id,
      name: snapshot.name,
      status: snapshot.status,
      lastHeartbeat: written?.heartbeat ?? 0,
      alive: true,
      stateRestored,
    };
    if (snapshot.stateJson) result.state = JSON.parse(snapshot.stateJson) as JsonObject;
    if (snapshot.capabilities) result.capabilities = snapshot.capabilities;
    return result;
  }

  /** @inheritdoc */
  async deregister(agentId: AgentId): Promise<boolean> {
    this.assertOpen();
    const id = checkAgentId(agentId);
    const member = formatAgentId(id);
    const entry = this.local.get(member);
    if (entry) {
      this.local.delete(member);
      await entry.busy;
    }
    const existed = await this.call('deregister', async () => {
      const deleted = await this.redis.del(this.layout.agent(id), this.layout.capabilities(id));
      const unindexed = await this.redis.zrem(this.layout.agentIndex, member);
      await this.store.unindex(member);
      return deleted > 0 || unindexed > 0;
    });
    if (existed) await this.publish({ type: 'deregistered', agentId: id });
    return existed;
  }

  /** @inheritdoc */
  async heartbeat(agentId: AgentId): Promise<void> {
    this.assertOpen();
    const member = formatAgentId(checkAgentId(agentId));
    const entry = this.local.get(member);
    if (!entry) {
      throw new ValidationError('agentId', 'registeredHere', `${member} is not registered here`);
    }
    await this.exclusive(entry, () => this.beat(entry));
  }

  /** @inheritdoc */
  async startHeartbeats(): Promise<void> {
    this.assertOpen();
    this.loop.start();
    return Promise.resolve();
  }

  /** @inheritdoc */
  stopHeartbeats(): Promise<void> {
    return this.loop.stop();
  }

  /** @inheritdoc */
  async sweepExpired(): Promise<AgentId[]> {
    this.assertOpen();
    const expired: AgentId[] = [];
    const batch = this.options.expirySweepBatch;
    let claimed: string[];
    do {
      claimed = (await this.call('sweepExpired', () =>
        runLuaScript(this.redis, RegistryScripts.claimExpired, [this.layout.agentIndex], [batch]),
      )) as string[];
      for (const member of claimed) {
        const id = parseAgentId(member);
        if (id) await this.announceExpired(id);
        await this.call('sweepExpired', () => this.store.unindex(member));
        if (id) expired.push(id);
      }
    } while (claimed.length === batch);
    return expired;
  }

  /** @inheritdoc */
  async listRegistered(): Promise<RegisteredAgent[]> {
    this.assertOpen();
    return this.call('listRegistered', async () => {
      const members = await this.redis.zrange(this.layout.agentIndex, 0, -1);
      const ids = members.map(parseAgentId).filter((id): id is ResolvedAgentId => id !== null);
      const wanted = new Set(members);
      const [time, hashes, loaded] = await Promise.all([
        this.redis.time(),
        Promise.all(ids.map((id) => this.redis.hgetall(this.layout.agent(id)))),
        this.store.load((member) => wanted.has(member)),
      ]);
      const now = serverMillis(time);
      const sets = new Map(loaded.sets.map((set) => [set.agentKey, set]));
      return ids
        .map((id, i) => decodeAgentRecord(id, hashes[i], now, sets.get(formatAgentId(id))))
        .filter((agent): agent is RegisteredAgent => agent !== null);
    });
  }

  /** @inheritdoc */
  async getAgent(agentId: AgentId): Promise<RegisteredAgent | null> {
    this.assertOpen();
    const id = checkAgentId(agentId);
    const [time, hash] = await this.call('getAgent', () =>
      Promise.all([this.redis.time(), this.redis.hgetall(this.layout.agent(id))]),
    );
    const capabilities = await this.getAgentCapabilities(id).catch((error: Error) => {
      if (!isValidationError(error)) throw error;
      this.options.onError(error, `capabilities of ${formatAgentId(id)}`);
      return null;
    });
    return decodeAgentRecord(id, hash, serverMillis(time), capabilities ?? undefined);
  }

  /** @inheritdoc */
  async registerCapabilities(
    agentId: AgentId,
    capabilitySet: AgentCapabilitySetInput | AgentCapabilitySet,
  ): Promise<boolean> {
    this.assertOpen();
    const id = checkAgentId(agentId);
    const set = toCapabilitySet(capabilitySet, id);
    const stored = await this.call('registerCapabilities', () => this.store.write(id, set));
    const entry = this.local.get(formatAgentId(id));
    if (stored && entry) entry.override = set;
    return stored;
  }

  /**
   * @inheritdoc
   * @throws ValidationError when the stored set is malformed
   */
  async getAgentCapabilities(agentId: AgentId): Promise<AgentCapabilitySet | null> {
    this.assertOpen();
    const id = checkAgentId(agentId);
    const text = await this.call('getAgentCapabilities', () =>
      this.redis.get(this.layout.capabilities(id)),
    );
    return text === null ? null : CapabilityStore.parse(text, id);
  }

  /** @inheritdoc */
  async listAllCapabilities(): Promise<AgentCapabilitySet[]> {
    this.assertOpen();
    return (await this.loadLiveCapabilities('listAllCapabilities')).sets;
  }

  /** @inheritdoc */
  async discoverCapabilities(
    request: CapabilityDiscoveryRequest,
  ): Promise<CapabilityDiscoveryResponse> {
    this.assertOpen();
    const resolved = resolveDiscoveryRequest(request);
    const started = performance.now();
    const { sets, skipped } = await this.loadLiveCapabilities('discoverCapabilities');
    const strategy = resolved.strategy ?? this.options.matchingStrategy;
    const matches = matchCapabilities(sets, resolved, {
      strategy,
      weights: this.options.matchWeights,
    });
    return {
      matches,
      totalAgentsSearched: sets.length,
      searchDurationMs: performance.now() - started,
      discoveryTimestamp: new Date().toISOString(),
      strategy,
      skipped,
    };
  }

  /** @inheritdoc */
  async cleanupStaleCapabilities(): Promise<number> {
    this.assertOpen();
    return this.call('cleanupStaleCapabilities', () => this.store.cleanup());
  }

  /** @inheritdoc */
  async matchingStatistics(): Promise<MatchingStatistics> {
    this.assertOpen();
    const total = await this.call('matchingStatistics', () =>
      this.redis.zcard(this.layout.agentIndex),
    );
    const { sets, skipped, live } = await this.loadLiveCapabilities('matchingStatistics');
    return {
      totalAgents: total,
      aliveAgents: live,
      ...countCapabilities(sets),
      matchingStrategy: this.options.matchingStrategy,
      matchWeights: { ...this.options.matchWeights },
      skipped,
    };
  }

  /** @inheritdoc */
  on<K extends RegistryEventType>(
    type: K,
    listener: (event: RegistryEventOf<K>) => void,
  ): () => void {
    return this.channel.on(type, listener);
  }

  /** @inheritdoc */
  ready(): Promise<void> {
    return this.channel.ready();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.loop.stop();
    await Promise.all([...this.local.values()].map((entry) => entry.busy));
    this.local.clear();
    await this.channel.close();
  }

  /** One beat of the loop: every local agent at once, then the expiry sweep. */
  private async tick(): Promise<void> {
    await Promise.all(
      [...this.local.values()].map((entry) =>
        this.exclusive(entry, () => this.beat(entry)).catch((error: Error) =>
          this.options.onError(error, `heartbeat of ${entry.member}`),
        ),
      ),
    );
    if (this.closed) return;
    await this.sweepExpired().catch((error: Error) => this.options.onError(error, 'expiry sweep'));
  }

  private async beat(entry: LocalAgent): Promise<void> {
    if (this.local.get(entry.member) !== entry) return;
    const snapshot = await snapshotAgent(
      entry.agent,
      entry.id,
      this.options.maxRecordBytes,
      entry.override,
      entry.last,
    );
    const written = await this.call('heartbeat', () => this.write('beat', entry, snapshot));
    if (!written) {
      // A newer registration of this id (another process) owns the record now.
      this.local.delete(entry.member);
      return;
    }
    const base = { agentId: entry.id, name: snapshot.name, status: snapshot.status };
    if (written.revived) await this.publish({ type: 'registered', ...base, revived: true });
    const changes = diffStatus(
      entry.last.status,
      snapshot.status,
      this.options.volatileStatusFields,
    );
    entry.last = snapshot;
    if (Object.keys(changes).length > 0) {
      await this.publish({ type: 'status_changed', ...base, changes });
    }
  }

  /** Writes the record, then the agent index and capability index; `null` when owned elsewhere. */
  private async write(
    mode: 'register' | 'beat',
    entry: LocalAgent,
    snapshot: AgentSnapshot,
  ): Promise<{ heartbeat: number; revived: boolean } | null> {
    const { heartbeatTtlMs: ttl, retainExpiredMs } = this.options;
    const [code, heartbeat, revision] = (await runLuaScript(
      this.redis,
      RegistryScripts.writeAgent,
      [this.layout.agent(entry.id), this.layout.capabilities(entry.id)],
      [
        mode,
        entry.owner,
        snapshot.name,
        snapshot.statusJson,
        snapshot.stateJson,
        snapshot.capabilitiesJson,
        ttl,
        ttl + retainExpiredMs,
      ],
    )) as [string, string, string];
    if ((Number(code) as WriteAgentResult) === WriteAgentResult.OWNED_ELSEWHERE) return null;
    const added = await runLuaScript(
      this.redis,
      RegistryScripts.touchIndex,
      [this.layout.agentIndex],
      [entry.member, ttl],
    );
    await this.store.index(entry.id, Number(revision));
    return { heartbeat: Number(heartbeat), revived: mode === 'beat' && Number(added) === 1 };
  }

  private async announceExpired(id: ResolvedAgentId): Promise<void> {
    const [name, heartbeat] = await this.call('sweepExpired', () =>
      this.redis.hmget(this.layout.agent(id), 'name', 'hb'),
    );
    const event: WithoutStamp<RegistryEventOf<'expired'>> = { type: 'expired', agentId: id };
    if (name !== null && name !== undefined) event.name = name;
    if (heartbeat) event.lastHeartbeat = Number(heartbeat);
    await this.publish(event);
  }

  private async loadLiveCapabilities(operation: string) {
    return this.call(operation, async () => {
      const live = new Set(
        (await runLuaScript(
          this.redis,
          RegistryScripts.listLiveAgents,
          [this.layout.agentIndex],
          [],
        )) as string[],
      );
      const loaded = await this.store.load((member) => live.has(member));
      return { ...loaded, live: live.size };
    });
  }

  private async publish(body: EventBody): Promise<void> {
    const event = { ...body, origin: this.instanceId, at: Date.now() } as RegistryEvent;
    await this.call('publish', () => this.channel.publish(event));
  }

  /** Runs `task` after the agent's previous beat or deregistration settles. */
  private exclusive(entry: LocalAgent, task: () => Promise<void>): Promise<void> {
    const run = entry.busy.then(task);
    entry.busy = run.catch(() => undefined);
    return run;
  }

  private async call<T>(operation: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (isAgentCoordinationError(error)) throw error;
      throw new RedisOperationError(operation, error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('RedisAgentRegistry');
  }
}
