import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import { KeyLayout } from '../common/key-layout';
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
} from '../common/agent-id';
import {
  checkAgentId,
  decodeAgentRecord,
  diffStatus,
  registrationResult,
  restoreState,
  snapshotAgent,
  type AgentSnapshot,
} from './agent-record';
import { AgentRegistry } from './agent-registry';
import { AgentStore, type WriteTarget } from './agent-store';
import { CapabilityDiscovery } from './capability-discovery';
import { CapabilityStore } from './capability-store';
import { HeartbeatLoop } from './heartbeat-loop';
import { toCapabilitySet } from './models/capability.dto';
import type { AgentCapabilitySet, AgentCapabilitySetInput } from './models/capability.models';
import type {
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  MatchingStatistics,
} from './models/discovery.models';
import type {
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
} from './models/registered-agent';
import {
  RegistryEventChannel,
  encodeRegistryEvent,
  type RegistryEvent,
  type RegistryEventOf,
  type RegistryEventType,
} from './registry.events';
import {
  resolveRegistryOptions,
  type RedisAgentRegistryOptions,
  type ResolvedRegistryOptions,
} from './registry.options';

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
 *
 * @public
 */
export class RedisAgentRegistry extends AgentRegistry {
  /** Identifies this instance as the `origin` of the events it publishes. */
  readonly instanceId = randomUUID();
  /** @inheritdoc */
  readonly events$: Observable<RegistryEvent>;
  private readonly options: ResolvedRegistryOptions;
  private readonly layout: KeyLayout;
  private readonly store: CapabilityStore;
  private readonly agents: AgentStore;
  private readonly discovery: CapabilityDiscovery;
  private readonly channel: RegistryEventChannel;
  private readonly loop: HeartbeatLoop;
  private readonly local = new Map<string, LocalAgent>();
  private closed = false;

  /**
   * @param redis a connection the caller owns and closes
   * @throws ConfigurationError for invalid options
   */
  constructor(redis: RedisClient, options?: RedisAgentRegistryOptions) {
    super();
    this.options = resolveRegistryOptions(options);
    this.layout = new KeyLayout(this.options.keyPrefix);
    this.store = new CapabilityStore(redis, this.layout);
    this.agents = new AgentStore(redis, this.layout, this.store);
    this.discovery = new CapabilityDiscovery(
      this.agents,
      this.store,
      this.options.matchingStrategy,
      this.options.matchWeights,
    );
    this.channel = new RegistryEventChannel(
      redis,
      this.layout.registryChannel,
      (error) => this.options.onError(error, 'event subscription'),
      this.options.subscribeEvents,
      this.options.logger,
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
    const stored = await this.call('register', () => this.agents.storedState(id));
    const stateRestored = await restoreState(agent, stored, (error) =>
      this.options.onError(error, `importState of ${member}`),
    );
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
    const written = await this.call('register', () =>
      this.agents.write('register', this.target(entry), snapshot),
    );
    this.local.set(member, entry);
    await this.publish({
      type: 'registered',
      agentId: id,
      name: snapshot.name,
      status: snapshot.status,
      revived: false,
    });
    if (this.options.autoHeartbeat) this.loop.start();
    return registrationResult(id, snapshot, written.heartbeat, stateRestored);
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
    const existed = await this.call('deregister', () => this.agents.remove(id, member));
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
    let lapsed: string[];
    do {
      lapsed = await this.call('sweepExpired', () => this.agents.lapsedMembers(batch));
      const claimed = await this.call('sweepExpired', () => this.claimAndAnnounce(lapsed));
      for (const id of claimed.map(parseAgentId)) if (id) expired.push(id);
    } while (lapsed.length === batch);
    return expired;
  }

  /**
   * Reads what the lapsed agents' records still say, then claims them and publishes their
   * `expired` events in one script: a sweeper that dies before it leaves them for the next.
   */
  private async claimAndAnnounce(lapsed: string[]): Promise<string[]> {
    const claims = await Promise.all(
      lapsed.map(async (member) => {
        const id = parseAgentId(member);
        if (!id) return { member, event: null };
        const seen = await this.agents.lastSeen(id);
        return {
          member,
          event: encodeRegistryEvent(this.stamp({ type: 'expired', agentId: id, ...seen })),
        };
      }),
    );
    return this.agents.claimExpired(this.layout.registryChannel, claims);
  }

  /** @inheritdoc */
  async listRegistered(): Promise<RegisteredAgent[]> {
    this.assertOpen();
    return this.call('listRegistered', () => this.agents.list());
  }

  /** @inheritdoc */
  async getAgent(agentId: AgentId): Promise<RegisteredAgent | null> {
    this.assertOpen();
    const id = checkAgentId(agentId);
    const { hash, now } = await this.call('getAgent', () => this.agents.get(id));
    const capabilities = await this.getAgentCapabilities(id).catch((error: Error) => {
      if (!isValidationError(error)) throw error;
      this.options.onError(error, `capabilities of ${formatAgentId(id)}`);
      return null;
    });
    return decodeAgentRecord(id, hash, now, capabilities ?? undefined);
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
    return this.call('getAgentCapabilities', () => this.store.get(id));
  }

  /** @inheritdoc */
  async listAllCapabilities(): Promise<AgentCapabilitySet[]> {
    this.assertOpen();
    return this.call('listAllCapabilities', () => this.discovery.list());
  }

  /** @inheritdoc */
  async discoverCapabilities(
    request: CapabilityDiscoveryRequest,
  ): Promise<CapabilityDiscoveryResponse> {
    this.assertOpen();
    return this.call('discoverCapabilities', () => this.discovery.discover(request));
  }

  /** @inheritdoc */
  async cleanupStaleCapabilities(): Promise<number> {
    this.assertOpen();
    return this.call('cleanupStaleCapabilities', () => this.store.cleanup());
  }

  /** @inheritdoc */
  async matchingStatistics(): Promise<MatchingStatistics> {
    this.assertOpen();
    return this.call('matchingStatistics', () => this.discovery.statistics());
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
    const written = await this.call('heartbeat', () =>
      this.agents.write('beat', this.target(entry), snapshot),
    );
    if (!written) {
      // A newer registration of this id (another process) owns the record now.
      this.local.delete(entry.member);
      return;
    }
    const base = { agentId: entry.id, name: snapshot.name, status: snapshot.status };
    if (written.indexed) await this.publish({ type: 'registered', ...base, revived: true });
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

  private target(entry: LocalAgent): WriteTarget {
    const { heartbeatTtlMs, retainExpiredMs } = this.options;
    return {
      id: entry.id,
      member: entry.member,
      owner: entry.owner,
      ttlMs: heartbeatTtlMs,
      keepMs: heartbeatTtlMs + retainExpiredMs,
    };
  }

  private async publish(body: EventBody): Promise<void> {
    const event = this.stamp(body);
    await this.call('publish', () => this.channel.publish(event));
  }

  /** The event as published by this instance now. */
  private stamp(body: EventBody): RegistryEvent {
    return { ...body, origin: this.instanceId, at: Date.now() };
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
