import { valid, validRange } from 'semver';
import type { ResolvedAgentId } from '../../common/agent-id';
import {
  AgentCapabilitySet,
  CAPABILITY_NAME_PATTERN,
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
  type AgentCapability,
} from './capability.models';
import { parseDate } from './registry.validators';

/*
 * Discovery reads thousands of stored sets; class-validator needs ~0.1 ms per object, which
 * makes a first query over 10 000 agents take seconds. Sets this package wrote are in the
 * canonical form (every field present, see AgentCapabilitySet.toJSON), which this file checks
 * quickly. It accepts only what `toCapabilitySet` accepts; anything else (foreign or
 * malformed data) goes through `toCapabilitySet` for the precise error.
 */

const TYPES: ReadonlySet<unknown> = new Set(Object.values(CapabilityType));
const SCOPES: ReadonlySet<unknown> = new Set(Object.values(CapabilityScope));
const STATUSES: ReadonlySet<unknown> = new Set(Object.values(CapabilityStatus));
const LIST_MAX = 256;

const checkedVersions = new Map<string, boolean>();

/** `semver.valid`, memoised: stored sets repeat a handful of version strings. */
function isVersion(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let ok = checkedVersions.get(value);
  if (ok === undefined) {
    if (checkedVersions.size >= 10_000) checkedVersions.clear();
    ok = valid(value) === value;
    checkedVersions.set(value, ok);
  }
  return ok;
}

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStrings = (value: unknown, each: (text: string) => boolean = () => true): boolean =>
  Array.isArray(value) &&
  value.length <= LIST_MAX &&
  value.every((item) => typeof item === 'string' && each(item)) &&
  new Set(value).size === value.length;

const CAPABILITY_KEYS = new Set([
  'name',
  'type',
  'version',
  'description',
  'scope',
  'status',
  'requiredInputs',
  'optionalInputs',
  'outputSchema',
  'estimatedDurationMs',
  'resourceRequirements',
  'compatibleVersions',
  'dependencies',
  'tags',
  'metadata',
]);
const SET_KEYS = new Set([
  'agentId',
  'capabilities',
  'version',
  'lastUpdated',
  'priority',
  'loadFactor',
  'availability',
]);

const onlyKeys = (value: Plain, allowed: ReadonlySet<string>): boolean =>
  Object.keys(value).every((key) => allowed.has(key));

const isName = (text: string): boolean => text.length <= 128 && CAPABILITY_NAME_PATTERN.test(text);

function isCanonicalCapability(value: unknown): value is AgentCapability {
  if (!isPlain(value) || !onlyKeys(value, CAPABILITY_KEYS)) return false;
  const duration = value.estimatedDurationMs;
  return (
    typeof value.name === 'string' &&
    isName(value.name) &&
    TYPES.has(value.type) &&
    isVersion(value.version) &&
    typeof value.description === 'string' &&
    value.description.length <= 4096 &&
    SCOPES.has(value.scope) &&
    STATUSES.has(value.status) &&
    isStrings(value.requiredInputs) &&
    isStrings(value.optionalInputs) &&
    isPlain(value.outputSchema) &&
    (duration === undefined || (typeof duration === 'number' && duration >= 0)) &&
    isPlain(value.resourceRequirements) &&
    isStrings(value.compatibleVersions, (range) => validRange(range) !== null) &&
    isStrings(value.dependencies, isName) &&
    isStrings(value.tags) &&
    isPlain(value.metadata)
  );
}

/**
 * The set in `value` when it is in canonical stored form for agent `id`; `null` otherwise
 * (which does not mean invalid: the caller falls back to full validation).
 */
export function readCanonicalSet(value: unknown, id: ResolvedAgentId): AgentCapabilitySet | null {
  if (!isPlain(value) || !onlyKeys(value, SET_KEYS)) return null;
  const agent = value.agentId;
  if (!isPlain(agent) || agent.type !== id.type || agent.instance !== id.instance) return null;
  const { capabilities, version, priority, loadFactor, availability } = value;
  const lastUpdated = parseDate(value.lastUpdated);
  if (
    !Array.isArray(capabilities) ||
    capabilities.length > 1024 ||
    !capabilities.every(isCanonicalCapability) ||
    new Set(capabilities.map((c) => c.name)).size !== capabilities.length ||
    !isVersion(version) ||
    !lastUpdated ||
    typeof priority !== 'number' ||
    !Number.isInteger(priority) ||
    priority < 1 ||
    priority > 10 ||
    typeof loadFactor !== 'number' ||
    !(loadFactor >= 0 && loadFactor <= 1) ||
    typeof availability !== 'boolean'
  ) {
    return null;
  }
  return new AgentCapabilitySet(
    { type: id.type, instance: id.instance },
    capabilities,
    version,
    lastUpdated,
    priority,
    loadFactor,
    availability,
  );
}
