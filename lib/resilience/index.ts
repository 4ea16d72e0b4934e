export * from './backoff';
export * from './retry';
export {
  type CircuitState,
  type CircuitBreakerConfig,
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  BREAKER_NAME_PATTERN,
  resolveCircuitBreakerConfig,
} from './circuit-breaker.config';
export type { CircuitBreakerOptions } from './circuit-breaker.options';
export type {
  CircuitStateChange,
  StateChangeSource,
  PublishedStateChange,
} from './circuit-breaker.events';
export { CircuitBreaker, type CircuitBreakerMetrics, type CallOptions } from './circuit-breaker';
export {
  CircuitBreakerRegistry,
  type CircuitBreakerRegistryOptions,
  type SharedBreakerSnapshot,
} from './circuit-breaker-registry';
