// The public registry surface: the registry contract, its Redis implementation, its options,
// events and the capability model. Matching, scoring, name similarity, the event channel and
// the option resolver are internal.
export {
  AgentCapabilitySet,
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
  DEFAULT_MATCH_WEIGHTS,
  DEFAULT_MAX_LOAD_FACTOR,
  DEFAULT_MAX_RESULTS,
  MatchingStrategy,
} from './models';
export type {
  AgentCapability,
  AgentCapabilityInput,
  AgentCapabilitySetInput,
  AgentCapabilitySetJson,
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  CapabilityMatchCriteria,
  CapabilityMatchResult,
  DiscoverySortKey,
  MatchWeights,
  MatchingStatistics,
  MaybePromise,
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
  SkippedCapabilitySet,
} from './models';
export { AgentRegistry } from './agent-registry';
export { RedisAgentRegistry } from './redis-agent-registry';
export { DEFAULT_HEARTBEAT_TTL_MS } from './registry.options';
export type { RedisAgentRegistryOptions } from './registry.options';
export type {
  AgentDeregisteredEvent,
  AgentExpiredEvent,
  AgentRegisteredEvent,
  AgentStatusChangedEvent,
  RegistryEvent,
  RegistryEventBase,
  RegistryEventOf,
  RegistryEventType,
  StatusFieldChange,
} from './registry.events';
