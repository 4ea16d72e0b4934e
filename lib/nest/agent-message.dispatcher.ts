import { createHash } from 'node:crypto';
import { HttpException, Logger } from '@nestjs/common';
import {
  ErrorCode,
  isAgentCoordinationError,
  isPermanentMessageError,
  OperationAbortedError,
} from '../errors';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId } from '../messaging/models/agent-id';
import {
  MESSAGE_ID_PATTERN,
  type AgentMessage,
  type JsonObject,
} from '../messaging/models/agent-message';
import { FailureType, MessagePriority, MessageType } from '../messaging/models/message.enums';
import type { MessageResult, ReceivedMessage } from '../messaging/models/queue-message';
import { withStack } from './agent-coordination.logger';
import type { AgentTracing } from './agent-coordination.tracing';
import { HandlerTimeoutError, ReservationLostError } from './agent-coordination.errors';
import type { AgentDefinition, AgentHandlerDefinition } from './agent.definition';
import { AgentMessageContext } from './agent-message.context';
import type { AgentMessageEvents, MessageOutcome } from './agent-message.events';

/** Smallest gap between automatic reservation extensions. */
const MIN_EXTEND_INTERVAL_MS = 5;

/** The result of running a handler, before the message is settled. */
type HandlerResult =
  { ok: true; value: unknown } | { ok: false; error: unknown; failure: FailureType };

/** Settlement of one delivery. */
interface Settlement {
  outcome: MessageOutcome;
  error?: string;
  /** The handler's error, for the stack in the log line. */
  cause?: unknown;
}

/**
 * Acknowledges a delivery by its token: `true` when the reservation was still held. The
 * consumer loop passes one that also reserves the agent's next message in the same round trip.
 */
export type Acknowledge = (token: string) => Promise<boolean>;

/** What the dispatcher needs besides the agent. */
export interface DispatcherDeps {
  coordinator: MessageCoordinator;
  tracing: AgentTracing;
  events: AgentMessageEvents;
  /** Retries allowed by the coordinator, to tell a retry from a dead letter. */
  retryAttempts: () => number;
}

/**
 * Handles one delivery end to end: finds the handler, runs it through Nest's context with
 * automatic reservation extension, then acks, answers or nacks. Never rejects.
 */
export class AgentMessageDispatcher {
  private readonly logger = new Logger('AgentCoordination');

  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * @param abandon fires when shutdown stops waiting for this delivery: the handler is told
   *   to stop and the message is left reserved, to be recovered by the next consumer
   * @param acknowledge settles a handled message; the coordinator's `ack` by default
   */
  async dispatch(
    agent: AgentDefinition,
    delivery: ReceivedMessage,
    abandon: AbortSignal,
    acknowledge: Acknowledge = (token) => this.deps.coordinator.ack(agent.agentId, token),
  ): Promise<void> {
    const started = performance.now();
    const message = delivery.queueMessage.message;
    const base = {
      agentId: agent.agentId,
      messageId: message.messageId,
      messageType: message.messageType,
      attempt: delivery.queueMessage.deliveryAttempts + 1,
      ...(message.correlationId ? { correlationId: message.correlationId } : {}),
    };
    this.deps.events.emitReceived(base);
    const handler = agent.handlers.get(message.messageType);
    let settlement: Settlement;
    let failed = false;
    if (!handler) {
      const handled = [...agent.handlers.keys()].join(', ') || 'none';
      settlement = await this.nack(
        agent,
        delivery,
        FailureType.PERMANENT,
        `no handler for message type "${message.messageType}" on agent ${formatAgentId(agent.agentId)} (it handles: ${handled})`,
      );
    } else {
      const result = await this.run(agent, handler, delivery, abandon);
      failed = !result.ok;
      settlement = abandon.aborted
        ? { outcome: 'unsettled', error: 'shutdown grace period ran out; left for recovery' }
        : await this.settle(agent, handler, delivery, result, acknowledge);
    }
    const { cause, ...settled } = settlement;
    const line = `${formatAgentId(agent.agentId)}: message ${message.messageId} ${settled.outcome}: ${settled.error}`;
    if (settled.outcome === 'retried') this.logger.debug(withStack(line, cause));
    if (settled.outcome === 'unsettled' || settled.outcome === 'dead-lettered') {
      this.logger.warn(withStack(line, cause));
    }
    this.deps.events.emitHandled({
      ...base,
      ...settled,
      handled: handler !== undefined,
      failed,
      durationMs: performance.now() - started,
    });
  }

  private async run(
    agent: AgentDefinition,
    handler: AgentHandlerDefinition,
    delivery: ReceivedMessage,
    abandon: AbortSignal,
  ): Promise<HandlerResult> {
    const message = delivery.queueMessage.message;
    const visibility = agent.consumer.visibilityTimeoutMs;
    const controller = new AbortController();
    const stopOnAbandon = (): void =>
      controller.abort(
        new OperationAbortedError('message handler', 'shutdown grace period ran out'),
      );
    abandon.addEventListener('abort', stopOnAbandon, { once: true });
    const extend = async (ms = visibility): Promise<boolean> => {
      const kept = await this.deps.coordinator.extend(agent.agentId, delivery.token, ms);
      if (!kept && !controller.signal.aborted)
        controller.abort(new ReservationLostError(message.messageId));
      return kept;
    };
    const context = new AgentMessageContext(agent.agentId, delivery, controller.signal, {
      extend,
      reply: (payload) => this.reply(agent, message, payload),
    });
    let extending = false;
    const extender = setInterval(
      () => {
        if (extending || controller.signal.aborted) return;
        extending = true;
        extend()
          .catch((error: Error) =>
            this.logger.warn(`extend of ${message.messageId} failed: ${error.message}`),
          )
          .finally(() => (extending = false));
      },
      Math.max(MIN_EXTEND_INTERVAL_MS, Math.floor(visibility / 3)),
    );
    extender.unref();
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = this.deps.tracing
        .traceHandler(agent.agentId, message, () => handler.invoke(message.payload, context))
        .then((value): HandlerResult => ({ ok: true, value }))
        .catch((error: unknown): HandlerResult => ({
          ok: false,
          error,
          failure: failureOf(error),
        }));
      const limit = handler.options.timeoutMs;
      if (limit === undefined) return await work;
      const timeout = new Promise<HandlerResult>((resolve) => {
        timer = setTimeout(() => {
          const error = new HandlerTimeoutError(message.messageId, limit);
          controller.abort(error);
          resolve({ ok: false, error, failure: FailureType.TIMEOUT });
        }, limit);
        timer.unref();
      });
      return await Promise.race([work, timeout]);
    } finally {
      clearInterval(extender);
      clearTimeout(timer);
      abandon.removeEventListener('abort', stopOnAbandon);
    }
  }

  private async settle(
    agent: AgentDefinition,
    handler: AgentHandlerDefinition,
    delivery: ReceivedMessage,
    result: HandlerResult,
    acknowledge: Acknowledge,
  ): Promise<Settlement> {
    if (!result.ok) {
      return this.nack(agent, delivery, result.failure, describe(result.error), result.error);
    }
    const message = delivery.queueMessage.message;
    try {
      if (needsReply(message, handler)) {
        const sent = await this.reply(agent, message, toPayload(result.value));
        if (!sent.delivered && !sent.duplicate) {
          return this.nack(
            agent,
            delivery,
            FailureType.TRANSIENT,
            `reply not delivered: ${sent.error}`,
          );
        }
      }
    } catch (error) {
      return this.nack(agent, delivery, failureOf(error), `reply failed: ${describe(error)}`);
    }
    try {
      const acked = await acknowledge(delivery.token);
      return acked
        ? { outcome: 'acked' }
        : { outcome: 'unsettled', error: 'reservation lost before ack' };
    } catch (error) {
      return { outcome: 'unsettled', error: `ack failed: ${describe(error)}` };
    }
  }

  private async nack(
    agent: AgentDefinition,
    delivery: ReceivedMessage,
    failure: FailureType,
    error: string,
    cause?: unknown,
  ): Promise<Settlement> {
    try {
      const done = await this.deps.coordinator.nack(agent.agentId, delivery.token, failure, error);
      if (!done) return { outcome: 'unsettled', error: `reservation lost before nack (${error})` };
      const attempts = delivery.queueMessage.deliveryAttempts + 1;
      const dead = failure === FailureType.PERMANENT || attempts > this.deps.retryAttempts();
      return { outcome: dead ? 'dead-lettered' : 'retried', error, cause };
    } catch (nackError) {
      return { outcome: 'unsettled', error: `nack failed: ${describe(nackError)} (${error})` };
    }
  }

  /** Sends the RESPONSE under an id derived from the request, so a redelivery cannot answer twice. */
  private reply(
    agent: AgentDefinition,
    request: AgentMessage,
    payload: JsonObject,
  ): Promise<MessageResult> {
    if (!request.replyTo) {
      return Promise.resolve({
        messageId: '',
        delivered: false,
        error: 'the message names no replyTo',
      });
    }
    return this.deps.coordinator.sendMessage(agent.agentId, request.replyTo, {
      messageId: replyIdOf(request.messageId),
      messageType: MessageType.RESPONSE,
      correlationId: request.correlationId ?? request.messageId,
      payload,
      priority: request.priority ?? MessagePriority.NORMAL,
    });
  }
}

function needsReply(message: AgentMessage, handler: AgentHandlerDefinition): boolean {
  return (
    message.messageType === MessageType.REQUEST &&
    message.replyTo !== undefined &&
    handler.options.replyWithResult !== false
  );
}

/**
 * The RESPONSE payload for a handler's return value: a plain object as it is, nothing as
 * `{}`, anything else wrapped as `{ result: value }`.
 */
export function toPayload(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  return { result: value };
}

/** The id of the RESPONSE to a request: stable, so a retried handler sends one answer only. */
export function replyIdOf(messageId: string): string {
  const id = `reply.${messageId}`;
  return MESSAGE_ID_PATTERN.test(id)
    ? id
    : `reply.${createHash('sha256').update(messageId).digest('hex')}`;
}

/**
 * How a handler's error is treated: `PermanentMessageError`, invalid input of this package
 * and Nest 4xx exceptions (a guard's ForbiddenException, a ValidationPipe's
 * BadRequestException) can never succeed on retry and dead-letter; anything else retries.
 */
export function failureOf(error: unknown): FailureType {
  if (isPermanentMessageError(error)) return FailureType.PERMANENT;
  if (
    isAgentCoordinationError(error) &&
    (error.code === ErrorCode.VALIDATION_FAILED || error.code === ErrorCode.PAYLOAD_TOO_LARGE)
  ) {
    return FailureType.PERMANENT;
  }
  if (error instanceof HttpException && error.getStatus() >= 400 && error.getStatus() < 500) {
    return FailureType.PERMANENT;
  }
  return FailureType.TRANSIENT;
}

function describe(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const detail: unknown =
      typeof response === 'object' && response !== null
        ? (response as { message?: unknown }).message
        : undefined;
    const text = Array.isArray(detail)
      ? detail.map(String).join('; ')
      : typeof detail === 'string'
        ? detail
        : error.message;
    return `${error.name}: ${text}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
