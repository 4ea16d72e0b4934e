import type * as otel from '@opentelemetry/api';
import { ConfigurationError } from '../../errors';
import type { CoordinatorInstrumentation } from '../../messaging/coordinator-instrumentation';
import type { AgentId } from '../../common/agent-id';
import { formatAgentId } from '../../common/agent-id';
import type { AgentMessage, RoutingKey } from '../../messaging/models/agent-message';
import type { OutgoingMessage } from '../../messaging/message-coordinator';
import type { WorkerInstrumentation } from '../../runtime/agent-worker.options';
import { TRACEPARENT_TAG_PREFIX } from '../module/agent-coordination.constants';
import { DEFAULT_TRACER_NAME } from '../module/agent-coordination-options.resolver';
import { loadOptionalPackage } from './optional-package.loader';

type OtelApi = typeof otel;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const MAX_TAGS = 64;
const MESSAGING_SYSTEM = 'tta-agent-coordination';

/** The W3C `traceparent` carried in a message's routing tags, if any. */
export function readTraceparent(message: Pick<AgentMessage, 'routing'>): string | undefined {
  const tag = message.routing?.tags.find((t) => t.startsWith(TRACEPARENT_TAG_PREFIX));
  const value = tag?.slice(TRACEPARENT_TAG_PREFIX.length);
  return value !== undefined && TRACEPARENT.test(value) ? value : undefined;
}

/** A copy of `message` whose routing tags carry `traceparent` (replacing an older one). */
export function withTraceparent<
  M extends {
    /** The message's routing; the copy's tags carry `traceparent` unless 64 others fill them. */
    routing?: RoutingKey;
  },
>(message: M, traceparent: string): M {
  const tags = (message.routing?.tags ?? []).filter((t) => !t.startsWith(TRACEPARENT_TAG_PREFIX));
  if (tags.length >= MAX_TAGS) return message;
  return {
    ...message,
    routing: { ...message.routing, tags: [...tags, TRACEPARENT_TAG_PREFIX + traceparent] },
  };
}

/**
 * OpenTelemetry hooks for a coordinator and its workers (see {@link createTracingInstrumentation}).
 *
 * @beta
 */
export interface TracingInstrumentation {
  /**
   * A `RedisMessageCoordinator`'s `instrumentation`: every send, broadcast, publish and
   * request runs in a PRODUCER span whose context rides in the message's routing tags.
   */
  coordinator: CoordinatorInstrumentation;
  /**
   * An `AgentWorker`'s `instrumentation`: every handler runs in a CONSUMER span that continues
   * the trace the message carries.
   */
  worker: WorkerInstrumentation;
}

/**
 * The OpenTelemetry hooks the Nest module uses, for a coordinator and workers built without
 * Nest: the same span names and attributes, and the same `traceparent` routing tag.
 * `null` when `@opentelemetry/api` (an optional peer) is not installed.
 *
 * @example
 * const tracing = createTracingInstrumentation();
 * const coordinator = new RedisMessageCoordinator(redis, { instrumentation: tracing?.coordinator });
 * new AgentWorker(coordinator, { agent, instrumentation: tracing?.worker }, handler);
 *
 * @param tracerName name of the tracer; default `tta-agent-coordination`
 * @throws ConfigurationError when `tracerName` is not a non-empty string
 *
 * @beta
 */
export function createTracingInstrumentation(
  tracerName: string = DEFAULT_TRACER_NAME,
): TracingInstrumentation | null {
  if (typeof tracerName !== 'string' || tracerName.length === 0) {
    throw new ConfigurationError('tracerName', 'isString', 'must be a non-empty string');
  }
  return AgentTracing.create({ tracerName }).instrumentation;
}

/**
 * OpenTelemetry spans for messages, on `@opentelemetry/api` when it is installed (a no-op
 * otherwise). The trace context travels inside the message as a routing tag
 * `traceparent=<W3C traceparent>`, so the handler's span continues the sender's trace
 * without any propagator configuration and without touching the payload.
 */
export class AgentTracing {
  private readonly otel: { api: OtelApi; tracer: otel.Tracer } | null;
  /** The hooks that make these spans, or `null` when tracing is off. */
  readonly instrumentation: TracingInstrumentation | null;

  private constructor(api: OtelApi | null, tracerName: string) {
    this.otel = api ? { api, tracer: api.trace.getTracer(tracerName) } : null;
    this.instrumentation = api
      ? {
          coordinator: {
            aroundSend: (send, run) =>
              this.traceSend(send.operation, send.recipient, send.message, run),
          },
          worker: {
            aroundHandler: (agent, message, run) => this.traceHandler(agent, message, run),
          },
        }
      : null;
  }

  /** Tracing with the named tracer; disabled when `options` is null or the API is missing. */
  static create(options: { tracerName: string } | null): AgentTracing {
    const api = options
      ? loadOptionalPackage<OtelApi>('@opentelemetry/api', 'tracing', false)
      : null;
    return new AgentTracing(api, options?.tracerName ?? '');
  }

  /** Whether spans are produced. */
  get enabled(): boolean {
    return this.otel !== null;
  }

  /**
   * Runs `send` inside a PRODUCER span and hands it the message with that span's context
   * in its routing tags.
   */
  async traceSend<T>(
    operation: string,
    recipient: AgentId | undefined,
    message: OutgoingMessage,
    send: (message: OutgoingMessage) => Promise<T>,
  ): Promise<T> {
    if (!this.otel) return send(message);
    const { api, tracer } = this.otel;
    const destination = recipient
      ? formatAgentId(recipient)
      : String(message.messageType ?? 'publish');
    const span = tracer.startSpan(`${operation} ${destination}`, {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.type': 'send',
        'messaging.destination.name': destination,
        'agent.message.type': String(message.messageType),
        ...(message.correlationId
          ? { 'messaging.message.conversation_id': message.correlationId }
          : {}),
      },
    });
    const spanContext = span.spanContext();
    const outgoing = api.isSpanContextValid(spanContext)
      ? withTraceparent(message, formatTraceparent(spanContext))
      : message;
    return finish(api, span, () =>
      api.context.with(api.trace.setSpan(api.context.active(), span), () => send(outgoing)),
    );
  }

  /**
   * Runs a handler inside a CONSUMER span that continues the trace carried by the message.
   */
  async traceHandler<T>(agent: AgentId, message: AgentMessage, run: () => Promise<T>): Promise<T> {
    if (!this.otel) return run();
    const { api, tracer } = this.otel;
    let parent = api.context.active();
    const remote = parseTraceparent(readTraceparent(message));
    if (remote) parent = api.trace.setSpanContext(parent, remote);
    const destination = formatAgentId(agent);
    const span = tracer.startSpan(
      `process ${destination}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': MESSAGING_SYSTEM,
          'messaging.operation.type': 'process',
          'messaging.destination.name': destination,
          'messaging.message.id': message.messageId,
          'agent.message.type': message.messageType,
          ...(message.correlationId
            ? { 'messaging.message.conversation_id': message.correlationId }
            : {}),
        },
      },
      parent,
    );
    return finish(api, span, () => api.context.with(api.trace.setSpan(parent, span), run));
  }
}

async function finish<T>(api: OtelApi, span: otel.Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

function formatTraceparent(context: otel.SpanContext): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

function parseTraceparent(value: string | undefined): otel.SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
}
