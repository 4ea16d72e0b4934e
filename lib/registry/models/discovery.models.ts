import type { ResolvedAgentId } from '../../messaging/models/agent-id';
import type { AgentCapability, CapabilityType } from './capability.models';

/** How {@link CapabilityMatchCriteria} are turned into ranked matches. */
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

/** Weights of the `weighted` strategy. They need not sum to 1: scores are clamped to 0–1. */
export interface MatchWeights {
  name: number;
  type: number;
  version: number;
  performance: number;
}

/** Default {@link MatchWeights}. */
export const DEFAULT_MATCH_WEIGHTS: Readonly<MatchWeights> = Object.freeze({
  name: 0.4,
  type: 0.3,
  version: 0.2,
  performance: 0.1,
});

/** What a caller looks for. Every field is optional; nothing given matches every capability. */
export interface CapabilityMatchCriteria {
  /** Capability name (exact, substring or fuzzy, depending on the strategy). */
  capabilityName?: string;
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

/** Keys {@link CapabilityDiscoveryRequest.sortBy} accepts. */
export type DiscoverySortKey = 'matchScore' | 'agentLoad' | 'estimatedDuration';

/** A discovery query. */
export interface CapabilityDiscoveryRequest {
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
  criteria: CapabilityMatchCriteria & { requireAvailable: boolean; maxLoadFactor: number };
  maxResults: number;
  includeDegraded: boolean;
  sortBy: DiscoverySortKey;
  sortDescending: boolean;
  strategy?: MatchingStrategy;
}

/** One capability of one agent that fits. */
export interface CapabilityMatchResult {
  agentId: ResolvedAgentId;
  capability: AgentCapability;
  /** 0–1. */
  matchScore: number;
  /** Name (when asked), type (when asked), preferred version (when asked) and duration all fit. */
  exactMatch: boolean;
  /** Within the version range and, when a preferred version was asked, equal to it. */
  versionMatch: boolean;
  /** `estimatedDurationMs` within `maxDurationMs` (or either unknown). */
  performanceMatch: boolean;
  agentLoadFactor: number;
  agentAvailability: boolean;
  agentPriority: number;
}

/** A capability set found in Redis that could not be read; skipped by discovery. */
export interface SkippedCapabilitySet {
  /** `type/instance`. */
  agentId: string;
  reason: string;
}

/** The answer to a discovery query. */
export interface CapabilityDiscoveryResponse {
  matches: CapabilityMatchResult[];
  /** Capability sets of live agents examined. */
  totalAgentsSearched: number;
  searchDurationMs: number;
  /** ISO-8601. */
  discoveryTimestamp: string;
  strategy: MatchingStrategy;
  /** Malformed sets that were skipped. */
  skipped: SkippedCapabilitySet[];
}

/** What {@link AgentRegistry.matchingStatistics} reports. */
export interface MatchingStatistics {
  /** Agents in the index (live or lapsed but not yet swept). */
  totalAgents: number;
  aliveAgents: number;
  /** Readable capability sets of live agents. */
  capabilitySets: number;
  totalCapabilities: number;
  activeCapabilities: number;
  capabilitiesByType: Record<string, number>;
  /** Mean load of the readable sets; 0 when there are none. */
  averageLoadFactor: number;
  matchingStrategy: MatchingStrategy;
  matchWeights: MatchWeights;
  /** Malformed sets skipped. */
  skipped: SkippedCapabilitySet[];
}
