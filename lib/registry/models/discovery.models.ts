import type { ResolvedAgentId } from '../../common/agent-id';
import type { AgentCapability, CapabilityType } from './capability.models';

/**
 * How {@link CapabilityMatchCriteria} are turned into ranked matches.
 *
 * @public
 */
export enum MatchingStrategy {
  /** Name, type, version range, inputs and duration must all fit; every match scores 1. */
  EXACT = 'exact',
  /** Weighted sum of name, type, version and performance scores (the default). */
  WEIGHTED = 'weighted',
  /** Filters like `weighted`, ranks by the agent's priority and spare capacity. */
  PRIORITY = 'priority',
  /** Ranks by name similarity; tolerates typos and spelling variants. */
  FUZZY = 'fuzzy',
}

/**
 * Weights of the `weighted` strategy. They need not sum to 1: scores are clamped to 0–1.
 *
 * @public
 */
export interface MatchWeights {
  /** Weight of the name score: 1 equal or none asked, 0.7 containing the asked one. Default 0.4. */
  name: number;
  /** Weight of the type score (1 whenever the type fits). Default 0.3. */
  type: number;
  /** Weight of the version score (1 for the preferred version, else 0.8). Default 0.2. */
  version: number;
  /** Weight of the performance score (1 within `maxDurationMs`, else 0.5). Default 0.1. */
  performance: number;
}

/**
 * Default {@link MatchWeights}.
 *
 * @public
 */
export const DEFAULT_MATCH_WEIGHTS: Readonly<MatchWeights> = Object.freeze({
  name: 0.4,
  type: 0.3,
  version: 0.2,
  performance: 0.1,
});

/**
 * What a caller looks for. Every field is optional; nothing given matches every capability.
 *
 * @public
 */
export interface CapabilityMatchCriteria {
  /** Capability name (exact, substring or fuzzy, depending on the strategy). */
  capabilityName?: string;
  /** Capability type, which must be equal (the `fuzzy` strategy only scores it). */
  capabilityType?: CapabilityType | `${CapabilityType}`;
  /** Inputs the caller will provide; each must be a required or optional input. */
  requiredInputs?: string[];
  /** Lowest acceptable version (semver order, inclusive). */
  minVersion?: string;
  /** Highest acceptable version (semver order, inclusive). */
  maxVersion?: string;
  /** Raises the score of capabilities of exactly this version; never filters. */
  preferredVersion?: string;
  /** Longest acceptable `estimatedDurationMs`. */
  maxDurationMs?: number;
  /** Skip agents whose set says they are unavailable. Default true. */
  requireAvailable?: boolean;
  /** Skip agents loaded above this. Default 0.8. */
  maxLoadFactor?: number;
  /** Tags the capability must all carry. */
  requiredTags?: string[];
  /** Metadata entries the capability must carry with equal (JSON-equal) values. */
  metadataFilters?: Record<string, unknown>;
}

/**
 * Keys {@link CapabilityDiscoveryRequest.sortBy} accepts.
 *
 * @public
 */
export type DiscoverySortKey = 'matchScore' | 'agentLoad' | 'estimatedDuration';

/**
 * A discovery query.
 *
 * @public
 */
export interface CapabilityDiscoveryRequest {
  /** What to look for. */
  criteria: CapabilityMatchCriteria;
  /** Default 10. */
  maxResults?: number;
  /** Also consider `deprecated` and `experimental` capabilities (scored × 0.9). Default false. */
  includeDegraded?: boolean;
  /** Default `matchScore`. */
  sortBy?: DiscoverySortKey;
  /**
   * Default: descending for `matchScore`, ascending (least loaded, quickest first) for
   * `agentLoad` and `estimatedDuration`. Results are sorted before `maxResults` is applied.
   */
  sortDescending?: boolean;
  /** Overrides the registry's strategy for this query. */
  strategy?: MatchingStrategy | `${MatchingStrategy}`;
}

/** A discovery query with its defaults filled in. */
export interface ResolvedDiscoveryRequest {
  /** The criteria with `requireAvailable` and `maxLoadFactor` filled in. */
  criteria: CapabilityMatchCriteria & {
    /** Default true. */
    requireAvailable: boolean;
    /** Default 0.8. */
    maxLoadFactor: number;
  };
  /** Default 10. */
  maxResults: number;
  /** Default false. */
  includeDegraded: boolean;
  /** Default `matchScore`. */
  sortBy: DiscoverySortKey;
  /** Default true for `matchScore`, false otherwise. */
  sortDescending: boolean;
  /** The strategy asked for; absent when the registry's own applies. */
  strategy?: MatchingStrategy;
}

/**
 * One capability of one agent that fits.
 *
 * @public
 */
export interface CapabilityMatchResult {
  /** The agent offering the capability. */
  agentId: ResolvedAgentId;
  /** The capability that fits. */
  capability: AgentCapability;
  /** 0–1. */
  matchScore: number;
  /** Name (when asked), type (when asked), preferred version (when asked) and duration all fit. */
  exactMatch: boolean;
  /** Within the version range and, when a preferred version was asked, equal to it. */
  versionMatch: boolean;
  /** `estimatedDurationMs` within `maxDurationMs` (or either unknown). */
  performanceMatch: boolean;
  /** The agent's `loadFactor`, 0–1. */
  agentLoadFactor: number;
  /** The agent's `availability`. */
  agentAvailability: boolean;
  /** The agent's `priority`, 1–10. */
  agentPriority: number;
}

/**
 * A capability set found in Redis that could not be read; skipped by discovery.
 *
 * @public
 */
export interface SkippedCapabilitySet {
  /** `type/instance`. */
  agentId: string;
  /** Why the set could not be read. */
  reason: string;
}

/**
 * The answer to a discovery query.
 *
 * @public
 */
export interface CapabilityDiscoveryResponse {
  /** The ranked matches, at most `maxResults`. */
  matches: CapabilityMatchResult[];
  /** Capability sets of live agents examined. */
  totalAgentsSearched: number;
  /** How long the search took, in milliseconds. */
  searchDurationMs: number;
  /** ISO-8601. */
  discoveryTimestamp: string;
  /** The strategy that ranked the matches. */
  strategy: MatchingStrategy;
  /** Malformed sets that were skipped. */
  skipped: SkippedCapabilitySet[];
}

/**
 * What {@link AgentRegistry.matchingStatistics} reports.
 *
 * @public
 */
export interface MatchingStatistics {
  /** Agents in the index (live or lapsed but not yet swept). */
  totalAgents: number;
  /** Agents whose last heartbeat is within the TTL. */
  aliveAgents: number;
  /** Readable capability sets of live agents. */
  capabilitySets: number;
  /** Capabilities in those sets, whatever their status. */
  totalCapabilities: number;
  /** Capabilities in those sets whose status is `active`. */
  activeCapabilities: number;
  /** Capabilities in those sets per {@link CapabilityType} value; types without any are absent. */
  capabilitiesByType: Record<string, number>;
  /** Mean load of the readable sets; 0 when there are none. */
  averageLoadFactor: number;
  /** The registry's default strategy. */
  matchingStrategy: MatchingStrategy;
  /** The registry's weights of the `weighted` strategy. */
  matchWeights: MatchWeights;
  /** Malformed sets skipped. */
  skipped: SkippedCapabilitySet[];
}
