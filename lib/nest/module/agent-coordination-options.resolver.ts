import { ConfigurationError, type ValidationError } from '../../errors';
import { DEFAULT_KEY_PREFIX } from '../../common/key-layout';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../common/wait-for-redis';
import { assertInteger, assertKeyPrefix } from '../../common/validate';
import type {
  AgentConsumerOptions,
  AgentCoordinationConnection,
  AgentCoordinationModuleOptions,
  PrometheusExportOptions,
} from './agent-coordination.options';
import { resolveCoordinatorOptions } from '../../messaging/coordinator.options';
import { resolveRegistryOptions } from '../../registry/registry.options';
import { resolveCircuitBreakerConfig } from '../../resilience/circuit-breaker.config';
import { resolveCircuitBreakerOptions } from '../../resilience/circuit-breaker.options';
import { isRedisClient } from './redis.connection';
import type { AgentId, ResolvedAgentId } from '../../common/agent-id';
import { validateAgentId } from '../../messaging/outgoing-message';
import { assertWorkerTimings, DEFAULT_WORKER_TIMINGS } from '../../runtime/agent-worker.options';

/** The longest wait an option may name. */
const DAY_MS = 86_400_000;

/**
 * {@link AgentConsumerOptions} with every default filled in.
 *
 * @public
 */
export type ResolvedConsumerOptions = Required<AgentConsumerOptions>;

/**
 * Defaults of {@link AgentConsumerOptions}.
 *
 * @public
 */
export const DEFAULT_CONSUMER_OPTIONS: Readonly<ResolvedConsumerOptions> = DEFAULT_WORKER_TIMINGS;

/**
 * Default upper bounds (ms) of the handler latency histogram.
 *
 * @public
 */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
]);

/**
 * Default prefix of Prometheus metric names.
 *
 * @public
 */
export const DEFAULT_PROMETHEUS_PREFIX = 'agent_coordination_';

/**
 * Default of the module's `identity`: the sender of its agent clients' messages.
 *
 * @public
 */
export const DEFAULT_APP_IDENTITY: Readonly<ResolvedAgentId> = Object.freeze({
  type: 'app',
  instance: 'default',
});

/**
 * Default OpenTelemetry tracer name.
 *
 * @public
 */
export const DEFAULT_TRACER_NAME = 'tta-agent-coordination';

/**
 * Module options after validation, with defaults filled in.
 *
 * @internal
 */
export interface ResolvedModuleOptions {
  connection: AgentCoordinationConnection;
  connectTimeoutMs: number;
  keyPrefix: string;
  identity: ResolvedAgentId;
  coordinator: NonNullable<AgentCoordinationModuleOptions['coordinator']>;
  registry: NonNullable<AgentCoordinationModuleOptions['registry']>;
  breakers: NonNullable<AgentCoordinationModuleOptions['breakers']>;
  consumer: ResolvedConsumerOptions;
  latencyBucketsMs: readonly number[];
  prometheus: Required<PrometheusExportOptions> | null;
  tracing: { tracerName: string } | null;
}

const KNOWN_OPTIONS = new Set([
  'connection',
  'connectTimeoutMs',
  'keyPrefix',
  'identity',
  'coordinator',
  'registry',
  'breakers',
  'consumer',
  'metrics',
  'tracing',
]);

/**
 * Validates consumer options (module-wide or one agent's overrides) over `base`.
 *
 * @throws ConfigurationError naming the field, e.g. `consumer.concurrency`
 */
export function resolveConsumerOptions(
  options: AgentConsumerOptions | undefined,
  base: ResolvedConsumerOptions,
  label: string,
): ResolvedConsumerOptions {
  if (options !== undefined && !isPlainObject(options)) {
    throw new ConfigurationError(label, 'isObject', 'must be an object');
  }
  const merged = { ...base };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!(key in base)) {
      throw new ConfigurationError(`${label}.${key}`, 'isKnown', 'is not a consumer option');
    }
    if (value !== undefined) merged[key as keyof ResolvedConsumerOptions] = value;
  }
  return assertWorkerTimings(merged, label);
}

/**
 * Validates the module options once, at start-up.
 *
 * @throws ConfigurationError naming the offending option and the rule it breaks
 */
export function resolveModuleOptions(
  options: AgentCoordinationModuleOptions,
): ResolvedModuleOptions {
  if (!isPlainObject(options)) {
    throw new ConfigurationError(
      'options',
      'isObject',
      'AgentCoordinationModule needs an options object',
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new ConfigurationError(key, 'isKnown', 'is not an AgentCoordinationModule option');
    }
  }
  checkConnection(options.connection);
  for (const field of ['coordinator', 'registry', 'breakers', 'consumer', 'metrics'] as const) {
    if (options[field] !== undefined && !isPlainObject(options[field])) {
      throw new ConfigurationError(field, 'isObject', 'must be an object');
    }
  }
  const keyPrefix = assertKeyPrefix(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  // Checked here, before any connection is opened, so bad limits leave nothing behind.
  nested('coordinator', () => resolveCoordinatorOptions({ ...options.coordinator, keyPrefix }));
  nested('registry', () => resolveRegistryOptions({ ...options.registry, keyPrefix }));
  nested('breakers', () => {
    const { defaults = {}, subscribeEvents: _events, ...rest } = options.breakers ?? {};
    resolveCircuitBreakerOptions({ ...rest, keyPrefix });
    resolveCircuitBreakerConfig({}, defaults, 'defaults');
  });
  return {
    connection: options.connection,
    connectTimeoutMs: assertInteger(
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      'connectTimeoutMs',
      1,
      DAY_MS,
    ),
    keyPrefix,
    identity: resolveIdentity(options.identity),
    coordinator: options.coordinator ?? {},
    registry: options.registry ?? {},
    breakers: options.breakers ?? {},
    consumer: resolveConsumerOptions(options.consumer, DEFAULT_CONSUMER_OPTIONS, 'consumer'),
    latencyBucketsMs: resolveBuckets(options.metrics?.latencyBucketsMs),
    prometheus: resolvePrometheus(options.metrics?.prometheus),
    tracing: resolveTracing(options.tracing),
  };
}

/** What a validation error says about its field, without the field and rule around it. */
function detailOf(error: ValidationError): string {
  return error.message.replace(/^Invalid [^:]+: (.*) \(rule: [^)]*\)$/s, '$1');
}

function nested(section: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof ConfigurationError && !error.field.startsWith(`${section}.`)) {
      throw new ConfigurationError(`${section}.${error.field}`, error.rule, detailOf(error));
    }
    throw error;
  }
}

/** The application's identity, validated; a bad one is a configuration error naming it. */
function resolveIdentity(identity: AgentId | undefined): ResolvedAgentId {
  if (identity === undefined) return DEFAULT_APP_IDENTITY;
  try {
    return validateAgentId(identity, 'identity');
  } catch (error) {
    // validateAgentId throws nothing but ValidationErrors.
    const invalid = error as ValidationError;
    throw new ConfigurationError(invalid.field, invalid.rule, detailOf(invalid));
  }
}

function checkConnection(connection: unknown): void {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) {
      throw new ConfigurationError(
        'connection',
        'isRedisUrl',
        'must start with redis:// or rediss://',
      );
    }
    try {
      new URL(connection);
    } catch {
      throw new ConfigurationError(
        'connection',
        'isRedisUrl',
        `"${connection}" is not a valid URL`,
      );
    }
    return;
  }
  if (isRedisClient(connection) || isPlainObject(connection)) return;
  throw new ConfigurationError(
    'connection',
    'isDefined',
    'must be a redis:// URL, ioredis options, or a Redis / Cluster instance',
  );
}

function resolveBuckets(buckets: unknown): readonly number[] {
  if (buckets === undefined) return DEFAULT_LATENCY_BUCKETS_MS;
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    !buckets.every((b, i) => typeof b === 'number' && b > 0 && (i === 0 || b > buckets[i - 1]))
  ) {
    throw new ConfigurationError(
      'metrics.latencyBucketsMs',
      'isAscending',
      'must be a non-empty list of increasing positive numbers',
    );
  }
  return Object.freeze([...(buckets as number[])]);
}

function resolvePrometheus(value: unknown): Required<PrometheusExportOptions> | null {
  if (value === undefined || value === false) return null;
  if (value !== true && !isPlainObject(value)) {
    throw new ConfigurationError(
      'metrics.prometheus',
      'isObject',
      'must be a boolean or an object',
    );
  }
  const options = value === true ? {} : (value as PrometheusExportOptions);
  const prefix = options.prefix ?? DEFAULT_PROMETHEUS_PREFIX;
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new ConfigurationError(
      'metrics.prometheus.prefix',
      'matches',
      'must be a valid Prometheus metric name prefix',
    );
  }
  return { registry: options.registry, prefix };
}

function resolveTracing(value: unknown): { tracerName: string } | null {
  if (value === false) return null;
  if (value === undefined || value === true) return { tracerName: DEFAULT_TRACER_NAME };
  if (!isPlainObject(value)) {
    throw new ConfigurationError('tracing', 'isObject', 'must be a boolean or an object');
  }
  const name = (value as { tracerName?: unknown }).tracerName ?? DEFAULT_TRACER_NAME;
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError('tracing.tracerName', 'isString', 'must be a non-empty string');
  }
  return { tracerName: name };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
