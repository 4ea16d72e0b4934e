import type { KeyLayout } from '../common/key-layout';
import { runLuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { formatAgentId, parseAgentId, type ResolvedAgentId } from '../common/agent-id';
import { decodeAgentRecord, serverMillis, type AgentSnapshot } from './agent-record';
import type { CapabilityStore } from './capability-store';
import type { RegisteredAgent } from './models/registered-agent';
import { RegistryScripts, WriteAgentResult } from './registry-scripts';

/** What one write of an agent record did. */
export interface AgentWrite {
  /** Server ms of the heartbeat just stored. */
  heartbeat: number;
  /** The agent was not in the index: new, or back after being claimed expired. */
  indexed: boolean;
}

/** The owner and timing of one write. */
export interface WriteTarget {
  id: ResolvedAgentId;
  /** `type/instance`. */
  member: string;
  owner: string;
  ttlMs: number;
  /** How long the keys live after the write. */
  keepMs: number;
}

/**
 * Agent records and the agent index in Redis. Raw Redis errors propagate; the registry
 * wraps them.
 */
export class AgentStore {
  constructor(
    private readonly client: RedisClient,
    private readonly layout: KeyLayout,
    private readonly capabilities: CapabilityStore,
  ) {}

  /** The state text the last incarnation exported, if any. */
  async storedState(id: ResolvedAgentId): Promise<string | null> {
    return this.client.hget(this.layout.agent(id), 'state');
  }

  /**
   * Writes the record (taking ownership on `register`), then the agent index and the
   * capability index; `null` when a beat finds another incarnation owns the record.
   */
  async write(mode: 'register', target: WriteTarget, snapshot: AgentSnapshot): Promise<AgentWrite>;
  async write(
    mode: 'beat',
    target: WriteTarget,
    snapshot: AgentSnapshot,
  ): Promise<AgentWrite | null>;
  async write(
    mode: 'register' | 'beat',
    target: WriteTarget,
    snapshot: AgentSnapshot,
  ): Promise<AgentWrite | null> {
    const [code, heartbeat, revision] = (await runLuaScript(
      this.client,
      RegistryScripts.writeAgent,
      [this.layout.agent(target.id), this.layout.capabilities(target.id)],
      [
        mode,
        target.owner,
        snapshot.name,
        snapshot.statusJson,
        snapshot.stateJson,
        snapshot.capabilitiesJson,
        target.ttlMs,
        target.keepMs,
      ],
    )) as [string, string, string];
    if ((Number(code) as WriteAgentResult) === WriteAgentResult.OWNED_ELSEWHERE) return null;
    const added = await runLuaScript(
      this.client,
      RegistryScripts.touchIndex,
      [this.layout.agentIndex],
      [target.member, target.ttlMs],
    );
    await this.capabilities.index(target.id, Number(revision));
    return { heartbeat: Number(heartbeat), indexed: Number(added) === 1 };
  }

  /** Deletes every key of the agent; whether anything existed. */
  async remove(id: ResolvedAgentId, member: string): Promise<boolean> {
    const deleted = await this.client.del(this.layout.agent(id), this.layout.capabilities(id));
    const unindexed = await this.client.zrem(this.layout.agentIndex, member);
    await this.capabilities.unindex(member);
    return deleted > 0 || unindexed > 0;
  }

  /** Up to `batch` members whose heartbeat deadline passed (server clock); claims none. */
  async lapsedMembers(batch: number): Promise<string[]> {
    return (await runLuaScript(
      this.client,
      RegistryScripts.listLapsedAgents,
      [this.layout.agentIndex],
      [batch],
    )) as string[];
  }

  /**
   * Takes lapsed agents out of the index and publishes each one's `expired` event on `channel`
   * in the same script, so only this caller gets each and none is claimed unannounced. A
   * member that beat since it was listed, or that another sweeper took, is left alone.
   *
   * @param lapsed members with their event text, or `null` to drop one without announcing it
   * @returns the members claimed here
   */
  async claimExpired(
    channel: string,
    lapsed: readonly { member: string; event: string | null }[],
  ): Promise<string[]> {
    if (lapsed.length === 0) return [];
    const flags = String(
      await runLuaScript(
        this.client,
        RegistryScripts.claimExpired,
        [this.layout.agentIndex],
        [channel, ...lapsed.flatMap(({ member, event }) => [member, event ?? ''])],
      ),
    );
    const claimed = lapsed.filter((_, i) => flags[i] === '1').map(({ member }) => member);
    await Promise.all(claimed.map((member) => this.capabilities.unindex(member)));
    return claimed;
  }

  /** Name and last heartbeat of a record, when still readable. */
  async lastSeen(id: ResolvedAgentId): Promise<{ name?: string; lastHeartbeat?: number }> {
    const [name, heartbeat] = await this.client.hmget(this.layout.agent(id), 'name', 'hb');
    const seen: { name?: string; lastHeartbeat?: number } = {};
    if (name) seen.name = name;
    if (heartbeat) seen.lastHeartbeat = Number(heartbeat);
    return seen;
  }

  /** Members whose heartbeat deadline has not passed (server clock of the index). */
  async liveMembers(): Promise<Set<string>> {
    const members = (await runLuaScript(
      this.client,
      RegistryScripts.listLiveAgents,
      [this.layout.agentIndex],
      [],
    )) as string[];
    return new Set(members);
  }

  /** Number of indexed agents, live or lapsed but not yet swept. */
  count(): Promise<number> {
    return this.client.zcard(this.layout.agentIndex);
  }

  /** Every indexed agent with its record and readable capabilities. */
  async list(): Promise<RegisteredAgent[]> {
    const members = await this.client.zrange(this.layout.agentIndex, 0, -1);
    const ids = members.map(parseAgentId).filter((id): id is ResolvedAgentId => id !== null);
    const wanted = new Set(members);
    const [time, hashes, loaded] = await Promise.all([
      this.client.time(),
      Promise.all(ids.map((id) => this.client.hgetall(this.layout.agent(id)))),
      this.capabilities.load((member) => wanted.has(member)),
    ]);
    const now = serverMillis(time);
    const sets = new Map(loaded.sets.map((set) => [set.agentKey, set]));
    return ids
      .map((id, i) => decodeAgentRecord(id, hashes[i], now, sets.get(formatAgentId(id))))
      .filter((agent): agent is RegisteredAgent => agent !== null);
  }

  /** One record's hash (empty when unknown) and the server's time. */
  async get(id: ResolvedAgentId): Promise<{ hash: Record<string, string>; now: number }> {
    const [time, hash] = await Promise.all([
      this.client.time(),
      this.client.hgetall(this.layout.agent(id)),
    ]);
    return { hash, now: serverMillis(time) };
  }
}
