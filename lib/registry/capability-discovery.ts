import { performance } from 'node:perf_hooks';
import type { AgentStore } from './agent-store';
import { countCapabilities } from './capability-statistics';
import { matchCapabilities } from './capability-matcher';
import type { CapabilityStore, LoadedCapabilities } from './capability-store';
import type { AgentCapabilitySet } from './models/capability.models';
import { resolveDiscoveryRequest } from './models/discovery.dto';
import type {
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  MatchWeights,
  MatchingStatistics,
  MatchingStrategy,
} from './models/discovery.models';

/**
 * Discovery over the capability sets of live agents: loads them (through the store's
 * revision cache) and hands them to the pure matcher.
 */
export class CapabilityDiscovery {
  constructor(
    private readonly agents: AgentStore,
    private readonly store: CapabilityStore,
    private readonly strategy: MatchingStrategy,
    private readonly weights: MatchWeights,
  ) {}

  /** Readable sets of live agents, the skipped ones, and how many agents are live. */
  async liveSets(): Promise<LoadedCapabilities & { live: number }> {
    const live = await this.agents.liveMembers();
    const loaded = await this.store.load((member) => live.has(member));
    return { ...loaded, live: live.size };
  }

  /** Every readable set of a live agent. */
  async list(): Promise<AgentCapabilitySet[]> {
    return (await this.liveSets()).sets;
  }

  /**
   * Validates the request (before touching Redis), then matches.
   *
   * @throws ValidationError for a bad request
   */
  async discover(request: CapabilityDiscoveryRequest): Promise<CapabilityDiscoveryResponse> {
    const resolved = resolveDiscoveryRequest(request);
    const started = performance.now();
    const { sets, skipped } = await this.liveSets();
    const strategy = resolved.strategy ?? this.strategy;
    const matches = matchCapabilities(sets, resolved, { strategy, weights: this.weights });
    return {
      matches,
      totalAgentsSearched: sets.length,
      searchDurationMs: performance.now() - started,
      discoveryTimestamp: new Date().toISOString(),
      strategy,
      skipped,
    };
  }

  /** Counts over the sets of live agents. */
  async statistics(): Promise<MatchingStatistics> {
    const total = await this.agents.count();
    const { sets, skipped, live } = await this.liveSets();
    return {
      totalAgents: total,
      aliveAgents: live,
      ...countCapabilities(sets),
      matchingStrategy: this.strategy,
      matchWeights: { ...this.weights },
      skipped,
    };
  }
}
