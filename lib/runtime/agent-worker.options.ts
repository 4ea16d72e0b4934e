import type { CoordinationLogger } from '../common/logger';
import { assertInteger } from '../common/validate';
import { ConfigurationError } from '../errors';
import type { ErrorCode } from '../errors';
import type { AgentId, ResolvedAgentId } from '../common/agent-id';
import type { AgentMessage } from '../messaging/models/agent-message';
import type { FailureType } from '../messaging/models/message.enums';
import { MAX_RECEIVE_MANY } from '../messaging/redis-message-coordinator';
import { validateAgentId } from '../messaging/outgoing-message';
import type { MessageHandledEvent, MessageReceivedEvent } from './agent-worker.events';

const DAY_MS = 86_400_000;

/**
 * Where a worker writes what it does: retries at `debug`, recovered reservations at `log`,
 * dead letters, abandoned handlers and Redis failures at `warn` (with the error, for its
 * stack). `console` fits; the Nest module passes one backed by Nest's `Logger`.
 *
 * @public
 */
export type WorkerLogger = CoordinationLogger;

/**
 * How a handler's error is to be treated, as an {@link ErrorClassifier} says.
 *
 * @public
 */
export interface ErrorClassification {
  /** `permanent` dead-letters at once; `transient` and `timeout` retry after backoff. */
  failure: FailureType | `${FailureType}`;
  /** The code an error RESPONSE to a REQUEST carries when this failure is final. */
  code?: ErrorCode;
  /** The text recorded as the message's `lastError` and sent in an error RESPONSE. */
  reason?: string;
}

/**
 * Maps a handler's error to how it is treated; `undefined` leaves it to the default rules
 * (`PermanentMessageError` and this package's validation errors are permanent, anything else
 * transient).
 *
 * @public
 */
export type ErrorClassifier = (error: unknown) => ErrorClassification | undefined;

/**
 * Hooks that observe a worker (metrics, tracing); none of them changes what it does.
 *
 * @beta
 */
export interface WorkerInstrumentation {
  /** Called as each delivery reaches the worker. */
  received?(event: MessageReceivedEvent): void;
  /** Called once each delivery is settled (or left for recovery). */
  handled?(event: MessageHandledEvent): void;
  /** Wraps each handler call, e.g. in a tracing span; must return what `run` returns. */
  aroundHandler?<T>(
    agent: ResolvedAgentId,
    message: AgentMessage,
    run: () => Promise<T>,
  ): Promise<T>;
}

/**
 * Options of an {@link AgentWorker}.
 *
 * @public
 */
export interface AgentWorkerOptions {
  /** The agent whose queue the worker drains. */
  agent: AgentId;
  /** Messages handled at the same time. Default 1. */
  concurrency?: number;
  /** Reservation length of a received message; extended while its handler runs. Default 30 000 ms. */
  visibilityTimeoutMs?: number;
  /** How long `close()` waits for running handlers before leaving them to recovery. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** How often expired reservations of the agent return to the queue; 0 turns it off. Default 5 000 ms. */
  recoverIntervalMs?: number;
  /** Longest single blocking wait for a message; `close()` also interrupts it. Default 1 000 ms. */
  receiveWaitMs?: number;
  /**
   * Messages reserved ahead of the handlers, 0–500, so that a quick handler finds its next
   * message waiting instead of a round trip away. Each waits its turn in order of reservation
   * (a higher-priority message sent meanwhile waits behind at most this many), and stays
   * reserved to this worker while it waits: it is extended like a running handler's message,
   * and judged against its `expiresAt` when its handler starts. `close()` gives the ones not
   * started back to the front of the queue, without counting a delivery attempt. Suits many
   * quick messages; leave it at 0 for slow handlers, whose messages another worker could take.
   * Default 0.
   */
  prefetch?: number;
  /** Pause after a Redis failure before the loop tries again. Default 500 ms. */
  errorBackoffMs?: number;
  /**
   * Longest run of a handler: past it its signal fires with a `HandlerTimeoutError`. The
   * message is settled only once the handler has: retried as a `timeout` failure if it then
   * fails, acknowledged if it completes after all. Its reservation is kept extended until
   * then, so one message never runs twice at once. Default: no limit.
   */
  handlerTimeoutMs?: number;
  /** Where the worker logs. Default: `console`. */
  logger?: WorkerLogger;
  /** Maps handler errors to failures beyond the default rules. */
  classifyError?: ErrorClassifier;
  /**
   * Metrics and tracing hooks.
   *
   * @beta
   */
  instrumentation?: WorkerInstrumentation;
}

/**
 * The numeric options of a worker, every one set.
 *
 * @public
 */
export interface WorkerTimings {
  /** See {@link AgentWorkerOptions.concurrency}. */
  concurrency: number;
  /** See {@link AgentWorkerOptions.visibilityTimeoutMs}. */
  visibilityTimeoutMs: number;
  /** See {@link AgentWorkerOptions.shutdownTimeoutMs}. */
  shutdownTimeoutMs: number;
  /** See {@link AgentWorkerOptions.recoverIntervalMs}. */
  recoverIntervalMs: number;
  /** See {@link AgentWorkerOptions.receiveWaitMs}. */
  receiveWaitMs: number;
  /** See {@link AgentWorkerOptions.prefetch}. */
  prefetch: number;
  /** See {@link AgentWorkerOptions.errorBackoffMs}. */
  errorBackoffMs: number;
}

/**
 * Defaults of the numeric worker options.
 *
 * @public
 */
export const DEFAULT_WORKER_TIMINGS: Readonly<WorkerTimings> = Object.freeze({
  concurrency: 1,
  visibilityTimeoutMs: 30_000,
  shutdownTimeoutMs: 10_000,
  recoverIntervalMs: 5_000,
  receiveWaitMs: 1_000,
  prefetch: 0,
  errorBackoffMs: 500,
});

/**
 * {@link AgentWorkerOptions} after validation.
 *
 * @public
 */
export interface ResolvedWorkerOptions extends WorkerTimings {
  /** The agent, instance filled in. */
  agent: ResolvedAgentId;
  /** See {@link AgentWorkerOptions.handlerTimeoutMs}. */
  handlerTimeoutMs: number | undefined;
  /** The given logger, or `console`. */
  logger: WorkerLogger;
  /** The given classifier, or one that leaves every error to the default rules. */
  classifyError: ErrorClassifier;
  /**
   * The given hooks, or none.
   *
   * @beta
   */
  instrumentation: WorkerInstrumentation;
}

/**
 * Checks the numeric options; `label` prefixes the field names in errors.
 *
 * @throws ConfigurationError naming the field, e.g. `consumer.concurrency`
 */
export function assertWorkerTimings(timings: WorkerTimings, label: string): WorkerTimings {
  const field = (name: string): string => (label ? `${label}.${name}` : name);
  assertInteger(timings.concurrency, field('concurrency'), 1, 1_000);
  assertInteger(timings.visibilityTimeoutMs, field('visibilityTimeoutMs'), 10, DAY_MS);
  assertInteger(timings.shutdownTimeoutMs, field('shutdownTimeoutMs'), 0, DAY_MS);
  assertInteger(timings.recoverIntervalMs, field('recoverIntervalMs'), 0, DAY_MS);
  assertInteger(timings.receiveWaitMs, field('receiveWaitMs'), 1, 60_000);
  assertInteger(timings.prefetch, field('prefetch'), 0, MAX_RECEIVE_MANY);
  assertInteger(timings.errorBackoffMs, field('errorBackoffMs'), 1, 60_000);
  return timings;
}

/**
 * Validates worker options and fills in the defaults.
 *
 * @throws ValidationError for a bad agent id; ConfigurationError for any other bad option
 */
export function resolveWorkerOptions(options: AgentWorkerOptions): ResolvedWorkerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'isObject', 'AgentWorker needs an options object');
  }
  const agent = validateAgentId(options.agent, 'agent');
  const timings: WorkerTimings = { ...DEFAULT_WORKER_TIMINGS };
  for (const key of Object.keys(DEFAULT_WORKER_TIMINGS) as (keyof WorkerTimings)[]) {
    if (options[key] !== undefined) timings[key] = options[key];
  }
  assertWorkerTimings(timings, '');
  if (options.handlerTimeoutMs !== undefined) {
    assertInteger(options.handlerTimeoutMs, 'handlerTimeoutMs', 1, DAY_MS);
  }
  if (options.classifyError !== undefined && typeof options.classifyError !== 'function') {
    throw new ConfigurationError('classifyError', 'isFunction', 'must be a function');
  }
  return {
    ...timings,
    agent,
    handlerTimeoutMs: options.handlerTimeoutMs,
    logger: options.logger ?? console,
    classifyError: options.classifyError ?? (() => undefined),
    instrumentation: options.instrumentation ?? {},
  };
}
