import {
  ErrorCode,
  HandlerTimeoutError,
  OperationAbortedError,
  ReservationLostError,
} from '../errors';
import { ERROR_REPLY_TAG, errorReplyPayload } from '../messaging/error-reply';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import { FailureType, MessagePriority, MessageType } from '../messaging/models/message.enums';
import type { MessageResult, ReceivedMessage } from '../messaging/models/queue-message';
import { AgentMessageContext } from './agent-message.context';
import type { MessageOutcome } from './agent-worker.events';
import type { ResolvedWorkerOptions } from './agent-worker.options';
import { classifyFailure, describeError, type HandlerFailure } from './error-classification';
import type { AgentHandlerEntry, AgentHandlerSet } from './message-handler';
import { replyIdOf, toPayload } from './message-replies';

/** Smallest gap between automatic reservation extensions. */
const MIN_EXTEND_INTERVAL_MS = 5;

/** The result of running a handler, before the message is settled. */
type HandlerResult = { ok: true; value: unknown } | { ok: false; failure: HandlerFailure };

/** Settlement of one delivery. */
interface Settlement {
  outcome: MessageOutcome;
  error?: string;
  /** The handler's error, for the stack in the log line (not part of the event). */
  cause?: Error;
}

/**
 * Acknowledges a delivery by its token: `true` when the reservation was still held. The
 * worker passes one that also reserves the agent's next message in the same round trip.
 */
export type Acknowledge = (token: string) => Promise<boolean>;

/**
 * Handles one delivery end to end: finds the handler, runs it with automatic reservation
 * extension, then acks, answers or nacks, reporting to the worker's instrumentation.
 * Never rejects.
 */
export class MessageDispatcher {
  constructor(
    private readonly coordinator: MessageCoordinator,
    private readonly options: ResolvedWorkerOptions,
    private readonly handlers: AgentHandlerSet,
  ) {}

  /**
   * @param abandon fires when shutdown stops waiting for this delivery: the handler is told
   *   to stop and the message is left reserved, to be recovered by the next consumer
   * @param acknowledge settles a handled message
   */
  async dispatch(
    delivery: ReceivedMessage,
    abandon: AbortSignal,
    acknowledge: Acknowledge,
  ): Promise<void> {
    const { agent, instrumentation, logger } = this.options;
    const started = performance.now();
    const message = delivery.queueMessage.message;
    const base = {
      agentId: agent,
      messageId: message.messageId,
      messageType: message.messageType,
      attempt: delivery.queueMessage.deliveryAttempts + 1,
      ...(message.correlationId ? { correlationId: message.correlationId } : {}),
    };
    instrumentation.received?.(base);
    const expired = expiryOf(delivery, this.options.visibilityTimeoutMs);
    const handler = expired === undefined ? this.handlers.handlerFor(message) : undefined;
    let settlement: Settlement;
    let failed = false;
    if (expired !== undefined) {
      settlement = await this.nack(
        delivery,
        FailureType.PERMANENT,
        expired,
        undefined,
        ErrorCode.MESSAGE_EXPIRED,
      );
    } else if (!handler) {
      const topic = message.routing?.topic;
      settlement = await this.nack(
        delivery,
        FailureType.PERMANENT,
        `no handler for message type "${message.messageType}"${topic ? ` with topic ${JSON.stringify(topic)}` : ''} on agent ${formatAgentId(agent)} (it handles: ${this.handlers.handles})`,
        undefined,
        ErrorCode.NO_HANDLER,
      );
    } else {
      const result = await this.run(handler, delivery, abandon);
      failed = !result.ok;
      settlement = abandon.aborted
        ? { outcome: 'unsettled', error: 'shutdown grace period ran out; left for recovery' }
        : await this.settle(handler, delivery, result, acknowledge);
    }
    const { cause, ...settled } = settlement;
    const line = `${formatAgentId(agent)}: message ${message.messageId} ${settled.outcome}: ${settled.error}`;
    // Retries are routine; what ends a message or leaves it unsettled needs a look.
    if (settled.outcome === 'retried') logger.debug(line);
    else if (settled.outcome !== 'acked') logger.warn(line, cause);
    instrumentation.handled?.({
      ...base,
      ...settled,
      handled: handler !== undefined,
      failed,
      durationMs: performance.now() - started,
    });
  }

  private async run(
    handler: AgentHandlerEntry,
    delivery: ReceivedMessage,
    abandon: AbortSignal,
  ): Promise<HandlerResult> {
    const { agent, visibilityTimeoutMs: visibility, instrumentation, logger } = this.options;
    const message = delivery.queueMessage.message;
    const controller = new AbortController();
    const stopOnAbandon = (): void =>
      controller.abort(
        new OperationAbortedError('message handler', 'shutdown grace period ran out'),
      );
    abandon.addEventListener('abort', stopOnAbandon, { once: true });
    let lost = false;
    const extend = async (ms = visibility): Promise<boolean> => {
      const kept = await this.coordinator.extend(agent, delivery.token, ms);
      if (!kept) {
        lost = true;
        if (!controller.signal.aborted)
          controller.abort(new ReservationLostError(message.messageId));
      }
      return kept;
    };
    const context = new AgentMessageContext(agent, delivery, controller.signal, {
      extend,
      reply: (payload) => this.reply(message, payload),
    });
    let extending = false;
    // Extends until the handler settles, also once its signal fired (timeout, shutdown): a
    // message stays reserved while any handler of it runs. Only a lost reservation stops it.
    const extender = setInterval(
      () => {
        if (extending || lost) return;
        extending = true;
        extend()
          .catch((error: Error) =>
            logger.warn(`extend of ${message.messageId} failed: ${error.message}`),
          )
          .finally(() => (extending = false));
      },
      Math.max(MIN_EXTEND_INTERVAL_MS, Math.floor(visibility / 3)),
    );
    extender.unref();
    let timer: NodeJS.Timeout | undefined;
    // A handler that throws synchronously fails like one that rejects.
    const invoke = (): Promise<unknown> =>
      new Promise((resolve) => resolve(handler.handle(message.payload, context)));
    try {
      const work = (
        instrumentation.aroundHandler
          ? instrumentation.aroundHandler(agent, message, invoke)
          : invoke()
      )
        .then((value): HandlerResult => ({ ok: true, value }))
        .catch((error: unknown): HandlerResult => ({
          ok: false,
          failure: classifyFailure(error, this.options.classifyError),
        }));
      const limit = handler.timeoutMs ?? this.options.handlerTimeoutMs;
      if (limit === undefined) return await work;
      // Past the limit the handler is asked to stop, but its message is settled only once it
      // has: the extender keeps the reservation meanwhile, so no retry (in this process or
      // another) runs beside a handler that ignores its signal.
      let timedOut: HandlerTimeoutError | undefined;
      timer = setTimeout(() => {
        timedOut = new HandlerTimeoutError(message.messageId, limit);
        controller.abort(timedOut);
      }, limit);
      timer.unref();
      const result = await work;
      if (result.ok || !timedOut || result.failure.failure === FailureType.PERMANENT) return result;
      return {
        ok: false,
        failure: {
          failure: FailureType.TIMEOUT,
          code: timedOut.code,
          reason: describeError(timedOut),
          cause: timedOut,
        },
      };
    } finally {
      clearInterval(extender);
      clearTimeout(timer);
      abandon.removeEventListener('abort', stopOnAbandon);
    }
  }

  private async settle(
    handler: AgentHandlerEntry,
    delivery: ReceivedMessage,
    result: HandlerResult,
    acknowledge: Acknowledge,
  ): Promise<Settlement> {
    if (!result.ok) {
      const { failure, reason, cause, code } = result.failure;
      return this.nack(delivery, failure, reason, cause, code);
    }
    const message = delivery.queueMessage.message;
    try {
      if (needsReply(message, handler)) {
        const sent = await this.reply(message, toPayload(result.value));
        if (!sent.delivered && !sent.duplicate) {
          return this.nack(delivery, FailureType.TRANSIENT, `reply not delivered: ${sent.error}`);
        }
      }
    } catch (error) {
      const failure = classifyFailure(error, this.options.classifyError);
      return this.nack(
        delivery,
        failure.failure,
        `reply failed: ${failure.reason}`,
        failure.cause,
        failure.code,
      );
    }
    try {
      const acked = await acknowledge(delivery.token);
      return acked
        ? { outcome: 'acked' }
        : { outcome: 'unsettled', error: 'reservation lost before ack' };
    } catch (error) {
      return { outcome: 'unsettled', error: `ack failed: ${describeError(error)}` };
    }
  }

  /**
   * Gives the delivery back; the coordinator says whether it was retried or dead-lettered.
   * A dead-lettered REQUEST is answered with an error RESPONSE carrying `code`, so its caller
   * stops waiting at once.
   */
  private async nack(
    delivery: ReceivedMessage,
    failure: FailureType,
    error: string,
    cause?: Error,
    code: ErrorCode = ErrorCode.HANDLER_FAILED,
  ): Promise<Settlement> {
    let done: Awaited<ReturnType<MessageCoordinator['nack']>>;
    try {
      done = await this.coordinator.nack(this.options.agent, delivery.token, failure, error);
    } catch (nackError) {
      return {
        outcome: 'unsettled',
        error: `nack failed: ${describeError(nackError)} (${error})`,
        cause,
      };
    }
    if (!done) {
      return { outcome: 'unsettled', error: `reservation lost before nack (${error})`, cause };
    }
    const message = delivery.queueMessage.message;
    if (
      done === 'dead-lettered' &&
      message.messageType === MessageType.REQUEST &&
      message.replyTo !== undefined
    ) {
      const unsent = await this.answerFailure(message, code, cause?.message ?? error);
      if (unsent !== undefined) return { outcome: done, error: `${error}; ${unsent}`, cause };
    }
    return { outcome: done, error, cause };
  }

  /**
   * Sends the error RESPONSE of a request that failed for good, under the same reply id as a
   * result would have (one answer per request, whatever the redeliveries). The message is
   * already dead-lettered: a failed send is reported, not retried.
   *
   * @returns why the answer was not sent; `undefined` when it was (or was already)
   */
  private async answerFailure(
    request: AgentMessage,
    code: ErrorCode,
    text: string,
  ): Promise<string | undefined> {
    try {
      const sent = await this.reply(
        request,
        errorReplyPayload(this.options.agent, code, text),
        ERROR_REPLY_TAG,
      );
      return sent.delivered || sent.duplicate
        ? undefined
        : `error reply not delivered: ${sent.error}`;
    } catch (replyError) {
      return `error reply failed: ${describeError(replyError)}`;
    }
  }

  /** Sends the RESPONSE under an id derived from the request, so a redelivery cannot answer twice. */
  private reply(request: AgentMessage, payload: JsonObject, tag?: string): Promise<MessageResult> {
    if (!request.replyTo) {
      return Promise.resolve({
        messageId: '',
        delivered: false,
        error: 'the message names no replyTo',
      });
    }
    return this.coordinator.sendMessage(this.options.agent, request.replyTo, {
      messageId: replyIdOf(request.messageId),
      messageType: MessageType.RESPONSE,
      correlationId: request.correlationId ?? request.messageId,
      payload,
      priority: request.priority ?? MessagePriority.NORMAL,
      ...(tag === undefined ? {} : { routing: { tags: [tag] } }),
    });
  }
}

function needsReply(message: AgentMessage, handler: AgentHandlerEntry): boolean {
  return (
    message.messageType === MessageType.REQUEST &&
    message.replyTo !== undefined &&
    handler.replyWithResult !== false
  );
}

/**
 * Why a delivery is past its `expiresAt`, starting `expired`; `undefined` when it is not (or
 * has no deadline).
 *
 * The clock: the reservation's deadline is on the Redis server's clock, and the worker
 * reserved with `visibilityTimeoutMs`, so `visibilityDeadline - visibilityTimeoutMs` is the
 * reservation time as Redis saw it. Comparing with that rather than this process's clock
 * means a worker with a skewed clock judges like every other worker; only the sender's own
 * skew (it wrote `expiresAt`) remains.
 */
export function expiryOf(
  delivery: ReceivedMessage,
  visibilityTimeoutMs: number,
): string | undefined {
  const expiresAt = delivery.queueMessage.message.expiresAt;
  if (expiresAt === undefined) return undefined;
  const deadline = Date.parse(expiresAt);
  const reservedAt = Date.parse(delivery.visibilityDeadline) - visibilityTimeoutMs;
  if (!(reservedAt > deadline)) return undefined;
  return `expired: its deadline ${expiresAt} passed before it was reserved at ${new Date(reservedAt).toISOString()} (Redis clock)`;
}
