export * from './models';
export { AgentRegistry } from './agent-registry';
export { RedisAgentRegistry } from './redis-agent-registry';
export {
  resolveRegistryOptions,
  DEFAULT_HEARTBEAT_TTL_MS,
  MIN_DEFAULT_HEARTBEAT_INTERVAL_MS,
  type RedisAgentRegistryOptions,
  type ResolvedRegistryOptions,
} from './registry.options';
export {
  matchCapabilities,
  versionInRange,
  PARTIAL_NAME_SCORE,
  BASE_VERSION_SCORE,
  SLOW_PERFORMANCE_SCORE,
  DEGRADED_FACTOR,
  FUZZY_THRESHOLD,
  FUZZY_NAME_SHARE,
  type MatcherOptions,
} from './capability-matcher';
export { nameSimilarity } from './name-similarity';
export { countCapabilities, type CapabilityCounts } from './capability-statistics';
export {
  decodeRegistryEvent,
  RegistryEventChannel,
  type RegistryEvent,
  type RegistryEventOf,
  type RegistryEventType,
  type AgentRegisteredEvent,
  type AgentDeregisteredEvent,
  type AgentStatusChangedEvent,
  type AgentExpiredEvent,
  type StatusFieldChange,
} from './registry.events';
