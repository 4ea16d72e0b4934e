import type { RedisOptions } from 'ioredis';
import type { RedisClient } from '../../common/redis-client';
import type { AgentId } from '../../common/agent-id';
import type { RedisMessageCoordinatorOptions } from '../../messaging/coordinator.options';
import type { RedisAgentRegistryOptions } from '../../registry/registry.options';
import type { CircuitBreakerRegistryOptions } from '../../resilience/circuit-breaker-registry';
import type { AgentWorkerOptions } from '../../runtime/agent-worker.options';

/**
 * Where the module's Redis connection comes from: a `redis://` / `rediss://` URL, ioredis
 * options (the module opens and closes the connection), or a `Redis` / `Cluster` instance
 * the application owns (the module never closes it).
 *
 * @public
 */
export type AgentCoordinationConnection = string | RedisOptions | RedisClient;

/**
 * How each agent's receive loop (its `AgentWorker`) runs: the worker's options of that
 * name, with the same defaults. Every field can be overridden per agent in `@Agent()`.
 *
 * @public
 */
export type AgentConsumerOptions = Pick<
  AgentWorkerOptions,
  | 'concurrency'
  | 'visibilityTimeoutMs'
  | 'shutdownTimeoutMs'
  | 'recoverIntervalMs'
  | 'receiveWaitMs'
  | 'prefetch'
  | 'errorBackoffMs'
>;

/**
 * Prometheus export of the module's metrics (needs the optional peer `prom-client`).
 *
 * @public
 */
export interface PrometheusExportOptions {
  /** A prom-client `Registry`; default prom-client's global `register`. */
  registry?: unknown;
  /** Prefix of the metric names. Default `agent_coordination_`. */
  prefix?: string;
}

/**
 * What the module measures and exports.
 *
 * @public
 */
export interface AgentCoordinationMetricsOptions {
  /** Export counters and histograms to prom-client: `true` for its defaults. Default off. */
  prometheus?: boolean | PrometheusExportOptions;
  /** Upper bounds (ms) of the handler latency histogram buckets. */
  latencyBucketsMs?: number[];
}

/**
 * OpenTelemetry spans (needs the optional peer `@opentelemetry/api`).
 *
 * @public
 */
export interface AgentCoordinationTracingOptions {
  /** Name of the tracer. Default `tta-agent-coordination`. */
  tracerName?: string;
}

/**
 * Options of `AgentCoordinationModule.forRoot()` / `forRootAsync()`.
 *
 * @public
 */
export interface AgentCoordinationModuleOptions {
  /** The Redis connection (see {@link AgentCoordinationConnection}). */
  connection: AgentCoordinationConnection;
  /**
   * How long start-up waits for Redis to be ready before bootstrap fails with a
   * `RedisConnectionError` naming the address. Default 30 000 ms.
   */
  connectTimeoutMs?: number;
  /** Prefix of every key the module writes. Default `ao`. */
  keyPrefix?: string;
  /**
   * Who this application is when it sends: the `sender` of the messages its agent clients
   * (`@InjectAgentClient()`) send, unless a client names its own. Default `{ type: 'app' }`
   * (instance `default`); name your service here, e.g. `{ type: 'shop', instance: 'eu-1' }`,
   * so the agents it talks to can tell who asked.
   */
  identity?: AgentId;
  /**
   * Limits of the message coordinator (queue size, retries, backoff, de-duplication, payload
   * size), and `instrumentation` hooks of the application, which run inside the module's
   * tracing hook.
   */
  coordinator?: Omit<RedisMessageCoordinatorOptions, 'keyPrefix'>;
  /** Options of the agent registry (heartbeat TTL and interval, matching, events). */
  registry?: Omit<RedisAgentRegistryOptions, 'keyPrefix'>;
  /** Options of the circuit breaker registry (default config, Redis timeouts, events). */
  breakers?: Omit<CircuitBreakerRegistryOptions, 'keyPrefix'>;
  /** How the receive loops run. */
  consumer?: AgentConsumerOptions;
  /** Metrics and their export. */
  metrics?: AgentCoordinationMetricsOptions;
  /**
   * OpenTelemetry spans from sender to handler; the trace context travels in the message's
   * routing tags as `traceparent=<W3C traceparent>`. Default on when `@opentelemetry/api`
   * is installed; `false` turns it off.
   */
  tracing?: boolean | AgentCoordinationTracingOptions;
}

/**
 * Extra options of `forRoot()` / `forRootAsync()` that shape the module itself.
 *
 * @public
 */
export interface AgentCoordinationModuleExtras {
  /** Make the module's providers visible to every module. Default false. */
  isGlobal?: boolean;
}
