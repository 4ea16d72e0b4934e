// The public resilience surface: circuit breakers, their registry, config and events, and the
// one retry policy. Breaker scripts, shared and local state and the config resolvers are
// internal.
export { DEFAULT_RETRY_POLICY, backoffDelay } from './backoff';
export type { JitterMode, RetryPolicy } from './backoff';
export { isRetryableError, retry } from './retry';
export type { RetryInfo, RetryOptions } from './retry';
export { DEFAULT_CIRCUIT_BREAKER_CONFIG } from './circuit-breaker.config';
export type { CircuitBreakerConfig, CircuitState } from './circuit-breaker.config';
export type { CircuitBreakerOptions } from './circuit-breaker.options';
export type { CircuitStateChange, StateChangeSource } from './circuit-breaker.events';
export { CircuitBreaker } from './circuit-breaker';
export type { CallOptions, CircuitBreakerMetrics } from './circuit-breaker';
export { CircuitBreakerRegistry } from './circuit-breaker-registry';
export type {
  CircuitBreakerRegistryOptions,
  SharedBreakerSnapshot,
} from './circuit-breaker-registry';
