import type { AgentWorkerStatus } from '../runtime/agent.worker';
export * from './decorators';
export { AgentCoordinationModule } from './agent-coordination.module';
export {
  AgentCoordinationFeatureModule,
  type AgentCoordinationFeatureOptions,
  type AgentClientFeature,
  type CircuitBreakerFeature,
} from './agent-coordination-feature.module';
export {
  AGENT_COORDINATION_MODULE_OPTIONS,
  type AgentCoordinationForRootOptions,
  type AgentCoordinationForRootAsyncOptions,
} from './agent-coordination.module-definition';
export type {
  AgentCoordinationModuleOptions,
  AgentCoordinationModuleExtras,
  AgentCoordinationConnection,
  AgentConsumerOptions,
  AgentCoordinationMetricsOptions,
  AgentCoordinationTracingOptions,
  PrometheusExportOptions,
} from './agent-coordination.options';
export {
  DEFAULT_APP_IDENTITY,
  DEFAULT_CONSUMER_OPTIONS,
  DEFAULT_LATENCY_BUCKETS_MS,
  DEFAULT_PROMETHEUS_PREFIX,
  DEFAULT_TRACER_NAME,
  type ResolvedConsumerOptions,
} from './agent-coordination-options.resolver';
export {
  AGENT_COORDINATION_IDENTITY,
  AGENT_COORDINATION_REDIS,
  AGENT_MESSAGE_CONTEXT_TYPE,
  TRACEPARENT_TAG_PREFIX,
  getAgentClientToken,
  getCircuitBreakerToken,
} from './agent-coordination.constants';
export { AgentBootstrapError, isAgentBootstrapError } from './agent-coordination.errors';
export { AgentMessageEvents } from './agent-message.events';
export {
  AgentCoordinationMetrics,
  type AgentMetricsSnapshot,
  type LatencyHistogram,
} from './agent-coordination.metrics';
export {
  AgentCoordinationHealthIndicator,
  type AgentCoordinationHealthResult,
} from './agent-coordination.health';
export {
  createTracingInstrumentation,
  readTraceparent,
  withTraceparent,
  type TracingInstrumentation,
} from './agent-coordination.tracing';
export { failureOf, classifyNestError } from './nest-error.classifier';
/** The status of an agent's consumer: the Nest name of {@link AgentWorkerStatus}. */
export type AgentConsumerStatus = AgentWorkerStatus;
export type { AgentCoordinationRedis } from './redis-connection';
