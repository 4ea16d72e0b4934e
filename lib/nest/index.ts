/*
 * The Nest surface: a thin shell over the framework-free runtime, in folders by role —
 *   decorators/     what users put on their classes and parameters
 *   discovery/      finding @Agent() providers and binding their handlers
 *   module/         the dynamic modules, their options and providers
 *   workers/        running each agent's AgentWorker: lifecycle, registration, logs, events
 *   observability/  tracing, metrics, health, and loading their optional packages
 * Files are named `<subject>.<role>.ts` in kebab-case, the role being the kind of piece
 * (module, providers, options, resolver, decorator, explorer, accessor, factory, lifecycle,
 * events, tracing, metrics, exporter, health, classifier, registration, loader, ...).
 */
import type { AgentWorkerStatus } from '../runtime/agent.worker';
export {
  Agent,
  AgentContext,
  AgentPayload,
  InjectAgentClient,
  InjectCircuitBreaker,
  OnAgentMessage,
} from './decorators';
export type { AgentOptions, OnAgentMessageBinding, OnAgentMessageOptions } from './decorators';
export { AgentCoordinationModule } from './module/agent-coordination.module';
export { AgentCoordinationFeatureModule } from './module/agent-coordination-feature.module';
export type {
  AgentClientFeature,
  AgentCoordinationFeatureOptions,
  CircuitBreakerFeature,
} from './module/agent-coordination-feature.module';
export { AGENT_COORDINATION_MODULE_OPTIONS } from './module/agent-coordination.module-definition';
export type {
  AgentCoordinationForRootAsyncOptions,
  AgentCoordinationForRootOptions,
} from './module/agent-coordination.module-definition';
export type {
  AgentConsumerOptions,
  AgentCoordinationConnection,
  AgentCoordinationMetricsOptions,
  AgentCoordinationModuleExtras,
  AgentCoordinationModuleOptions,
  AgentCoordinationTracingOptions,
  PrometheusExportOptions,
} from './module/agent-coordination.options';
export {
  DEFAULT_APP_IDENTITY,
  DEFAULT_CONSUMER_OPTIONS,
  DEFAULT_LATENCY_BUCKETS_MS,
  DEFAULT_PROMETHEUS_PREFIX,
  DEFAULT_TRACER_NAME,
} from './module/agent-coordination-options.resolver';
export type { ResolvedConsumerOptions } from './module/agent-coordination-options.resolver';
export {
  AGENT_COORDINATION_IDENTITY,
  AGENT_COORDINATION_REDIS,
  AGENT_MESSAGE_CONTEXT_TYPE,
  getAgentClientToken,
  getCircuitBreakerToken,
} from './module/agent-coordination.constants';
export { AgentBootstrapError, isAgentBootstrapError } from './module/agent-coordination.errors';
export type { AgentCoordinationRedis } from './module/redis.connection';
export { AgentMessageEvents } from './workers/agent-message.events';
export { AgentCoordinationMetrics } from './observability/agent-coordination.metrics';
export type {
  AgentMetricsSnapshot,
  LatencyHistogram,
} from './observability/agent-coordination.metrics';
export { AgentCoordinationHealthIndicator } from './observability/agent-coordination.health';
export type { AgentCoordinationHealthResult } from './observability/agent-coordination.health';
export { createTracingInstrumentation } from './observability/agent-coordination.tracing';
export type { TracingInstrumentation } from './observability/agent-coordination.tracing';
/**
 * The status of an agent's consumer: the Nest name of {@link AgentWorkerStatus}.
 *
 * @public
 */
export type AgentConsumerStatus = AgentWorkerStatus;
