/*
 * The package root: the public API, by name. Every name below is tagged `@public` (stable) or
 * `@beta` (still moving) in its TSDoc; anything else under lib/ is internal and may change in
 * any release. The API report (api/tta-agent-coordination.api.md, checked by
 * `npm run api:check`) records this surface, so a change to it is a reviewed diff.
 */

// Errors: one base class with a stable `code`, a class and a guard per failure (SPEC §6).
export {
  AgentCoordinationError,
  AgentRequestError,
  BudgetExceededError,
  CircuitBreakerOpenError,
  ClosedError,
  ConfigurationError,
  ErrorCode,
  HandlerTimeoutError,
  OperationAbortedError,
  PayloadTooLargeError,
  PermanentMessageError,
  QuotaExceededError,
  RedisConnectionError,
  RedisOperationError,
  RequestTimeoutError,
  ReservationLostError,
  UnexpectedScriptResultError,
  ValidationError,
  isAgentCoordinationError,
  isAgentRequestError,
  isBudgetExceededError,
  isCircuitBreakerOpenError,
  isPermanentMessageError,
  isQuotaExceededError,
  isRedisConnectionError,
  isRedisOperationError,
  isRequestTimeoutError,
  isValidationError,
} from './errors';
export type { QuotaLimitReason } from './errors';

// Connections and logging.
export { DEFAULT_KEY_PREFIX } from './common/key-layout';
export type { RedisClient } from './common/redis-client';
export type { PayloadLimits } from './common/validate';
export { silentLogger } from './common/logger';
export type { CoordinationLogger } from './common/logger';
export { DEFAULT_CONNECT_TIMEOUT_MS, waitForRedis } from './common/wait-for-redis';

// Messaging: identity, the message model, the coordinator and its options (SPEC §1, §2).
export {
  DEFAULT_COORDINATOR_LIMITS,
  DEFAULT_INSTANCE,
  FailureType,
  MessageCoordinator,
  MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  createMessage,
  formatAgentId,
  parseAgentId,
  sameAgent,
} from './messaging';
export type {
  AckAndReceiveManyResult,
  AckAndReceiveResult,
  AgentId,
  AgentMessage,
  BatchMessage,
  CoordinatorInstrumentation,
  CoordinatorLimits,
  JsonObject,
  MessageResult,
  MessageSentEvent,
  MessageSubscription,
  MessageTypeName,
  NackOutcome,
  OutgoingMessage,
  OutgoingSend,
  PageOptions,
  QueueMessage,
  QueueStats,
  ReceiveOptions,
  ReceivedMessage,
  RedisMessageCoordinatorOptions,
  RequestOptions,
  ResolvedAgentId,
  RoutingKey,
  SendOperation,
} from './messaging';

// Registry: agents, heartbeats, capabilities, discovery and events (SPEC §3).
export {
  AgentCapabilitySet,
  AgentRegistry,
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
  DEFAULT_HEARTBEAT_TTL_MS,
  DEFAULT_MATCH_WEIGHTS,
  DEFAULT_MAX_LOAD_FACTOR,
  DEFAULT_MAX_RESULTS,
  MatchingStrategy,
  RedisAgentRegistry,
} from './registry';
export type {
  AgentCapability,
  AgentCapabilityInput,
  AgentCapabilitySetInput,
  AgentCapabilitySetJson,
  AgentDeregisteredEvent,
  AgentExpiredEvent,
  AgentRegisteredEvent,
  AgentStatusChangedEvent,
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  CapabilityMatchCriteria,
  CapabilityMatchResult,
  DiscoverySortKey,
  MatchWeights,
  MatchingStatistics,
  MaybePromise,
  RedisAgentRegistryOptions,
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
  RegistryEvent,
  RegistryEventBase,
  RegistryEventOf,
  RegistryEventType,
  SkippedCapabilitySet,
  StatusFieldChange,
} from './registry';

// Resilience: circuit breakers shared through Redis, and the one retry policy (SPEC §4).
export {
  CircuitBreaker,
  CircuitBreakerRegistry,
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  isRetryableError,
  retry,
} from './resilience';
export type {
  CallOptions,
  CircuitBreakerConfig,
  CircuitBreakerMetrics,
  CircuitBreakerOptions,
  CircuitBreakerRegistryOptions,
  CircuitState,
  CircuitStateChange,
  JitterMode,
  RetryInfo,
  RetryOptions,
  RetryPolicy,
  SharedBreakerSnapshot,
  StateChangeSource,
} from './resilience';

// Runtime: one agent's receive loop in any Node program, and topic routing (SPEC §7).
export {
  AgentMessageContext,
  AgentWorker,
  DEFAULT_HANDLER_TYPES,
  DEFAULT_WORKER_TIMINGS,
  TopicHandlerSet,
} from './runtime';
export type {
  AgentHandlerEntry,
  AgentHandlerSet,
  AgentMessageHandler,
  AgentWorkerCloseResult,
  AgentWorkerOptions,
  AgentWorkerStatus,
  ErrorClassification,
  ErrorClassifier,
  MessageHandledEvent,
  MessageOutcome,
  MessageReceivedEvent,
  ResolvedWorkerOptions,
  TopicHandlerOptions,
  WorkerInstrumentation,
  WorkerLogger,
  WorkerTimings,
} from './runtime';

// Clients: send and request by topic toward one agent (SPEC §7).
export { AgentClient, DEFAULT_CLIENT_TIMEOUT_MS } from './client';
export type {
  AgentClientOptions,
  AgentClientPayload,
  AgentRequestOptions,
  AgentSendOptions,
  AgentTarget,
} from './client';

// The NestJS module, its decorators, tokens and observability (SPEC §5, §7).
export {
  AGENT_COORDINATION_IDENTITY,
  AGENT_COORDINATION_MODULE_OPTIONS,
  AGENT_COORDINATION_REDIS,
  AGENT_MESSAGE_CONTEXT_TYPE,
  Agent,
  AgentBootstrapError,
  AgentContext,
  AgentCoordinationFeatureModule,
  AgentCoordinationHealthIndicator,
  AgentCoordinationMetrics,
  AgentCoordinationModule,
  AgentMessageEvents,
  AgentPayload,
  DEFAULT_APP_IDENTITY,
  DEFAULT_CONSUMER_OPTIONS,
  DEFAULT_LATENCY_BUCKETS_MS,
  DEFAULT_PROMETHEUS_PREFIX,
  DEFAULT_TRACER_NAME,
  InjectAgentClient,
  InjectCircuitBreaker,
  OnAgentMessage,
  createTracingInstrumentation,
  getAgentClientToken,
  getCircuitBreakerToken,
  isAgentBootstrapError,
} from './nest';
export type {
  AgentClientFeature,
  AgentConsumerOptions,
  AgentConsumerStatus,
  AgentCoordinationConnection,
  AgentCoordinationFeatureOptions,
  AgentCoordinationForRootAsyncOptions,
  AgentCoordinationForRootOptions,
  AgentCoordinationHealthResult,
  AgentCoordinationMetricsOptions,
  AgentCoordinationModuleExtras,
  AgentCoordinationModuleOptions,
  AgentCoordinationRedis,
  AgentCoordinationTracingOptions,
  AgentMetricsSnapshot,
  AgentOptions,
  CircuitBreakerFeature,
  LatencyHistogram,
  OnAgentMessageBinding,
  OnAgentMessageOptions,
  PrometheusExportOptions,
  ResolvedConsumerOptions,
  TracingInstrumentation,
} from './nest';

// Shared LLM quotas and budgets (SPEC §10).
export {
  BudgetLedger,
  DEFAULT_QUOTA_WINDOW_MS,
  QuotaRegistry,
  RedisBudgetLedger,
  RedisQuotaRegistry,
} from './quotas';
export type {
  AcquireQuotaOptions,
  BudgetLedgerOptions,
  BudgetLevel,
  BudgetReservation,
  QuotaLease,
  QuotaLimits,
  QuotaRegistryOptions,
  QuotaSettlement,
  QuotaUsage,
  ReserveBudgetOptions,
} from './quotas';
