import { SemVer } from 'semver';
import { formatAgentId } from '../common/agent-id';
import {
  CapabilityStatus,
  type AgentCapability,
  type AgentCapabilitySet,
} from './models/capability.models';
import {
  DEFAULT_MATCH_WEIGHTS,
  MatchingStrategy,
  type CapabilityMatchCriteria,
  type CapabilityMatchResult,
  type MatchWeights,
  type ResolvedDiscoveryRequest,
} from './models/discovery.models';
import { nameSimilarity } from './name-similarity';

/** Score of a name that contains the requested name without equalling it. */
export const PARTIAL_NAME_SCORE = 0.7;
/** Version score without a matching preferred version; an equal preferred version scores 1. */
export const BASE_VERSION_SCORE = 0.8;
/** Performance score of a capability slower than `maxDurationMs` (weighted strategy). */
export const SLOW_PERFORMANCE_SCORE = 0.5;
/** Factor applied to `deprecated` and `experimental` capabilities when they are included. */
export const DEGRADED_FACTOR = 0.9;
/** Lowest fuzzy score that counts as a match. */
export const FUZZY_THRESHOLD = 0.5;
/** Share of name similarity in a fuzzy score; the rest is the type. */
export const FUZZY_NAME_SHARE = 0.7;

const clamp = (value: number): number => Math.min(1, Math.max(0, value));

/** Agent-level filters: availability and load. */
function agentQualifies(set: AgentCapabilitySet, request: ResolvedDiscoveryRequest): boolean {
  const { requireAvailable, maxLoadFactor } = request.criteria;
  if (requireAvailable && !set.availability) return false;
  return set.loadFactor <= maxLoadFactor;
}

const parsedVersions = new Map<string, SemVer>();
const MAX_PARSED_VERSIONS = 10_000;

/** Semver order of two valid versions; parsed versions are memoised (there are few distinct ones). */
export function compareVersions(a: string, b: string): number {
  return parse(a).compare(parse(b));
}

function parse(version: string): SemVer {
  let parsed = parsedVersions.get(version);
  if (!parsed) {
    if (parsedVersions.size >= MAX_PARSED_VERSIONS) parsedVersions.clear();
    parsed = new SemVer(version);
    parsedVersions.set(version, parsed);
  }
  return parsed;
}

/** Whether `version` lies within the criteria's min/max range, in semver order. */
export function versionInRange(version: string, criteria: CapabilityMatchCriteria): boolean {
  if (criteria.minVersion && compareVersions(version, criteria.minVersion) < 0) return false;
  if (criteria.maxVersion && compareVersions(version, criteria.maxVersion) > 0) return false;
  return true;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Filters every strategy applies: status, version range, inputs, tags and metadata. */
function capabilityQualifies(
  capability: AgentCapability,
  request: ResolvedDiscoveryRequest,
): boolean {
  const { criteria } = request;
  if (capability.status === CapabilityStatus.DISABLED) return false;
  if (capability.status !== CapabilityStatus.ACTIVE && !request.includeDegraded) return false;
  if (!versionInRange(capability.version, criteria)) return false;
  if (criteria.requiredInputs?.length) {
    const accepted = new Set([...capability.requiredInputs, ...capability.optionalInputs]);
    if (!criteria.requiredInputs.every((input) => accepted.has(input))) return false;
  }
  if (criteria.requiredTags?.length) {
    const tags = new Set(capability.tags);
    if (!criteria.requiredTags.every((tag) => tags.has(tag))) return false;
  }
  const filters = criteria.metadataFilters;
  if (filters) {
    for (const [key, value] of Object.entries(filters)) {
      if (!Object.prototype.hasOwnProperty.call(capability.metadata, key)) return false;
      if (!jsonEqual(capability.metadata[key], value)) return false;
    }
  }
  return true;
}

/** 1 for an equal name, {@link PARTIAL_NAME_SCORE} when it contains the asked name, else 0. */
function nameScore(capability: AgentCapability, criteria: CapabilityMatchCriteria): number {
  const wanted = criteria.capabilityName?.toLowerCase();
  if (wanted === undefined) return 1;
  if (capability.name === wanted) return 1;
  return capability.name.includes(wanted) ? PARTIAL_NAME_SCORE : 0;
}

const typeFits = (capability: AgentCapability, criteria: CapabilityMatchCriteria): boolean =>
  criteria.capabilityType === undefined || capability.type === criteria.capabilityType;

const performanceFits = (capability: AgentCapability, criteria: CapabilityMatchCriteria): boolean =>
  criteria.maxDurationMs === undefined ||
  capability.estimatedDurationMs === undefined ||
  capability.estimatedDurationMs <= criteria.maxDurationMs;

const preferredFits = (capability: AgentCapability, criteria: CapabilityMatchCriteria): boolean =>
  criteria.preferredVersion === undefined ||
  compareVersions(capability.version, criteria.preferredVersion) === 0;

/** The score of one capability under `strategy`, or `null` when it is not a match. */
function score(
  strategy: MatchingStrategy,
  capability: AgentCapability,
  set: AgentCapabilitySet,
  criteria: CapabilityMatchCriteria,
  weights: MatchWeights,
): number | null {
  const name = nameScore(capability, criteria);
  const type = typeFits(capability, criteria);
  switch (strategy) {
    case MatchingStrategy.EXACT:
      return name === 1 && type && performanceFits(capability, criteria) ? 1 : null;
    case MatchingStrategy.PRIORITY:
      return name > 0 && type ? (set.priority / 10) * (1 - set.loadFactor) : null;
    case MatchingStrategy.FUZZY: {
      const wanted = criteria.capabilityName;
      const similarity = wanted === undefined ? 1 : nameSimilarity(wanted, capability.name);
      const value = FUZZY_NAME_SHARE * similarity + (1 - FUZZY_NAME_SHARE) * (type ? 1 : 0);
      return value >= FUZZY_THRESHOLD ? value : null;
    }
    case MatchingStrategy.WEIGHTED: {
      if (name === 0 || !type) return null;
      const version =
        criteria.preferredVersion !== undefined && preferredFits(capability, criteria)
          ? 1
          : BASE_VERSION_SCORE;
      const performance = performanceFits(capability, criteria) ? 1 : SLOW_PERFORMANCE_SCORE;
      return (
        weights.name * name +
        weights.type * 1 +
        weights.version * version +
        weights.performance * performance
      );
    }
  }
}

/** Options of {@link matchCapabilities}. */
export interface MatcherOptions {
  /** How candidates are scored and ranked. */
  strategy: MatchingStrategy;
  /** Weights of the `weighted` strategy. Default {@link DEFAULT_MATCH_WEIGHTS}. */
  weights?: MatchWeights;
}

/**
 * Finds and ranks the capabilities that fit a (validated) request. Pure: no Redis, no clock.
 * Results are sorted by the request's key with ties broken by score, then agent id, then
 * capability name, so the same input always gives the same order; `maxResults` applies last.
 */
export function matchCapabilities(
  sets: readonly AgentCapabilitySet[],
  request: ResolvedDiscoveryRequest,
  options: MatcherOptions,
): CapabilityMatchResult[] {
  const weights = options.weights ?? DEFAULT_MATCH_WEIGHTS;
  const { criteria } = request;
  const matches: CapabilityMatchResult[] = [];
  for (const set of sets) {
    if (!agentQualifies(set, request)) continue;
    for (const capability of set.capabilities) {
      // Scoring looks at names only, so it rules most capabilities out before the filters run.
      const raw = score(options.strategy, capability, set, criteria, weights);
      if (raw === null || !capabilityQualifies(capability, request)) continue;
      const degraded = capability.status !== CapabilityStatus.ACTIVE;
      const performanceMatch = performanceFits(capability, criteria);
      const versionMatch = preferredFits(capability, criteria);
      matches.push({
        agentId: set.agentId,
        capability,
        matchScore: clamp(degraded ? raw * DEGRADED_FACTOR : raw),
        exactMatch:
          nameScore(capability, criteria) === 1 &&
          typeFits(capability, criteria) &&
          versionMatch &&
          performanceMatch,
        versionMatch,
        performanceMatch,
        agentLoadFactor: set.loadFactor,
        agentAvailability: set.availability,
        agentPriority: set.priority,
      });
    }
  }
  return matches.sort(comparator(request)).slice(0, request.maxResults);
}

type Comparator = (a: CapabilityMatchResult, b: CapabilityMatchResult) => number;

function primaryKey(request: ResolvedDiscoveryRequest): (m: CapabilityMatchResult) => number {
  switch (request.sortBy) {
    case 'agentLoad':
      return (m) => m.agentLoadFactor;
    case 'estimatedDuration':
      return (m) => m.capability.estimatedDurationMs ?? Number.NaN;
    case 'matchScore':
      return (m) => m.matchScore;
  }
}

function comparator(request: ResolvedDiscoveryRequest): Comparator {
  const key = primaryKey(request);
  const direction = request.sortDescending ? -1 : 1;
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    // Unknown durations sort last in either direction.
    if (Number.isNaN(ka) !== Number.isNaN(kb)) return Number.isNaN(ka) ? 1 : -1;
    if (ka !== kb && !Number.isNaN(ka)) return (ka - kb) * direction;
    if (a.matchScore !== b.matchScore) return b.matchScore - a.matchScore;
    const ida = formatAgentId(a.agentId);
    const idb = formatAgentId(b.agentId);
    if (ida !== idb) return ida < idb ? -1 : 1;
    return a.capability.name < b.capability.name
      ? -1
      : a.capability.name > b.capability.name
        ? 1
        : 0;
  };
}
