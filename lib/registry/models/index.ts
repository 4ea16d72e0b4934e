// The public capability and discovery model. The class-validator DTOs and validators, the name
// pattern and the request resolver behind it are internal.
export {
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
  AgentCapabilitySet,
} from './capability.models';
export type {
  AgentCapability,
  AgentCapabilityInput,
  AgentCapabilitySetInput,
  AgentCapabilitySetJson,
} from './capability.models';
export { DEFAULT_MATCH_WEIGHTS, MatchingStrategy } from './discovery.models';
export type {
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  CapabilityMatchCriteria,
  CapabilityMatchResult,
  DiscoverySortKey,
  MatchWeights,
  MatchingStatistics,
  SkippedCapabilitySet,
} from './discovery.models';
export { DEFAULT_MAX_LOAD_FACTOR, DEFAULT_MAX_RESULTS } from './discovery.dto';
export type {
  MaybePromise,
  RegistrableAgent,
  RegisteredAgent,
  RegistrationResult,
} from './registered-agent';
