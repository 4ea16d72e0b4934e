import type { KeyLayout } from '../common/key-layout';
import { runLuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { ValidationError } from '../errors';
import { formatAgentId, parseAgentId, type ResolvedAgentId } from '../common/agent-id';
import { toCapabilitySet } from './models/capability.dto';
import { readCanonicalSet } from './models/stored-capability';
import type { AgentCapabilitySet } from './models/capability.models';
import type { SkippedCapabilitySet } from './models/discovery.models';
import { RegistryScripts } from './registry-scripts';

interface CacheEntry {
  revision: number;
  set?: AgentCapabilitySet;
  /** Why the stored set could not be read. */
  error?: string;
}

/** Capability sets read from Redis: the readable ones and the skipped ones. */
export interface LoadedCapabilities {
  sets: AgentCapabilitySet[];
  skipped: SkippedCapabilitySet[];
}

/**
 * Reads and writes capability sets. Parsed sets are cached per agent under the revision the
 * capability index holds for it; every write moves the revision, so one `ZRANGE` tells which
 * cached sets are still current and only changed sets are read and validated again.
 */
export class CapabilityStore {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: RedisClient,
    private readonly layout: KeyLayout,
  ) {}

  /**
   * Validates a stored set.
   *
   * @throws ValidationError naming what is malformed
   */
  static parse(text: string, id: ResolvedAgentId): AgentCapabilitySet {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ValidationError('stored', 'isJson', `is not JSON: ${(error as Error).message}`);
    }
    return (
      readCanonicalSet(value, id) ?? toCapabilitySet(value as Record<string, unknown>, id, 'stored')
    );
  }

  /** Stores the set of a registered agent; `false` when the agent has no record. */
  async write(id: ResolvedAgentId, set: AgentCapabilitySet): Promise<boolean> {
    const revision = Number(
      await runLuaScript(
        this.client,
        RegistryScripts.setCapabilities,
        [this.layout.agent(id), this.layout.capabilities(id)],
        [JSON.stringify(set)],
      ),
    );
    if (revision === 0) return false;
    await this.index(id, revision);
    return true;
  }

  /** Records (or drops, for revision 0) the agent's entry in the capability index. */
  async index(id: ResolvedAgentId, revision: number): Promise<void> {
    const member = formatAgentId(id);
    if (revision > 0) await this.client.zadd(this.layout.capabilityIndex, revision, member);
    else await this.client.zrem(this.layout.capabilityIndex, member);
  }

  /** Removes the agent from the capability index (its keys are deleted by the caller). */
  async unindex(member: string): Promise<void> {
    await this.client.zrem(this.layout.capabilityIndex, member);
    this.cache.delete(member);
  }

  /** One agent's set; `null` when missing. Malformed data throws a ValidationError. */
  async get(id: ResolvedAgentId): Promise<AgentCapabilitySet | null> {
    const text = await this.client.get(this.layout.capabilities(id));
    return text === null ? null : CapabilityStore.parse(text, id);
  }

  /**
   * Every readable set of the agents `accept` admits (all when omitted), with the malformed
   * ones reported instead of thrown.
   */
  async load(accept?: (member: string) => boolean): Promise<LoadedCapabilities> {
    const flat = await this.client.zrange(this.layout.capabilityIndex, 0, -1, 'WITHSCORES');
    const indexed = new Set<string>();
    const stale: { member: string; id: ResolvedAgentId; revision: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const member = flat[i];
      indexed.add(member);
      if (accept && !accept(member)) continue;
      const revision = Number(flat[i + 1]);
      if (this.cache.get(member)?.revision === revision) continue;
      const id = parseAgentId(member);
      if (id) stale.push({ member, id, revision });
      else this.cache.set(member, { revision, error: 'malformed index member' });
    }
    const texts = await Promise.all(
      stale.map(({ id }) => this.client.get(this.layout.capabilities(id))),
    );
    stale.forEach(({ member, id, revision }, i) => {
      const text = texts[i];
      if (text === null || text === undefined) {
        this.cache.set(member, { revision });
        return;
      }
      try {
        this.cache.set(member, { revision, set: CapabilityStore.parse(text, id) });
      } catch (error) {
        // parse throws ValidationError only.
        this.cache.set(member, { revision, error: (error as Error).message });
      }
    });
    for (const member of this.cache.keys()) if (!indexed.has(member)) this.cache.delete(member);
    const loaded: LoadedCapabilities = { sets: [], skipped: [] };
    for (const [member, entry] of this.cache) {
      if (accept && !accept(member)) continue;
      if (entry.set) loaded.sets.push(entry.set);
      else if (entry.error) loaded.skipped.push({ agentId: member, reason: entry.error });
    }
    return loaded;
  }

  /** Removes index entries (and sets) whose agent record is gone; returns how many. */
  async cleanup(): Promise<number> {
    const members = await this.client.zrange(this.layout.capabilityIndex, 0, -1);
    const results = await Promise.all(
      members.map(async (member) => {
        const id = parseAgentId(member);
        const orphan = id
          ? Number(
              await runLuaScript(
                this.client,
                RegistryScripts.dropOrphanCapabilities,
                [this.layout.agent(id), this.layout.capabilities(id)],
                [],
              ),
            ) === 1
          : true;
        if (orphan) await this.unindex(member);
        return orphan;
      }),
    );
    return results.filter(Boolean).length;
  }
}
