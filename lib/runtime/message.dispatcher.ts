import { ErrorCode, OperationAbortedError } from '../errors';
import { ERROR_REPLY_TAG, errorReplyPayload } from '../messaging/error-reply';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import { FailureType, MessagePriority, MessageType } from '../messaging/models/message.enums';
import type { MessageResult, ReceivedMessage } from '../messaging/models/queue-message';
import { AgentMessageContext } from './agent-message.context';
import { handledEvent, receivedEvent, type MessageOutcome } from './agent-worker.events';
import type { ResolvedWorkerOptions } from './agent-worker.options';
import { classifyFailure, describeError, type HandlerFailure } from './error-classification';
import { extendIntervalOf, HandlerRun, type HandlerRunHost } from './handler-run';
import type { AgentHandlerEntry, AgentHandlerSet } from './message-handler';
import { replyIdOf, toPayload } from './message-replies';
import { TimerWheel, type TimerLane } from './timer-wheel';

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
 *
 * The extensions and time limits of every running handler share one {@link TimerWheel}, and
 * each run's signal is made only when its handler asks for it: a handler that returns quickly
 * costs one small object and no timer, controller or listener.
 */
export class MessageDispatcher implements HandlerRunHost {
  /** @internal the lane of the automatic reservation extensions */
  readonly extensions: TimerLane<HandlerRun>;
  private readonly timeLimits = new Map<number, TimerLane<HandlerRun>>();
  /** Runs whose handler has not settled yet, for shutdown to abandon. */
  private readonly running = new Set<HandlerRun>();
  private readonly watched = new WeakSet<AbortSignal>();

  /**
   * @param wheel the timer wheel the runs' deadlines go on (the worker shares its own)
   */
  constructor(
    /** @internal */
    readonly coordinator: MessageCoordinator,
    /** @internal */
    readonly options: ResolvedWorkerOptions,
    private readonly handlers: AgentHandlerSet,
    private readonly wheel = new TimerWheel(),
  ) {
    this.extensions = wheel.lane(extendIntervalOf(options.visibilityTimeoutMs), (run) =>
      run.extendWhenDue(),
    );
  }

  /**
   * @param abandon fires when shutdown stops waiting for this delivery: the handler is told
   *   to stop and the message is left reserved, to be recovered by the next consumer
   * @param acknowledge settles a handled message
   * @param heldMs how long the delivery waited in the worker's prefetch buffer after it was
   *   reserved (its deadline is judged at the time its handler starts)
   */
  async dispatch(
    delivery: ReceivedMessage,
    abandon: AbortSignal,
    acknowledge: Acknowledge,
    heldMs = 0,
  ): Promise<void> {
    const { agent, instrumentation } = this.options;
    const started = instrumentation.handled ? performance.now() : 0;
    const message = delivery.queueMessage.message;
    const base =
      instrumentation.received || instrumentation.handled ? receivedEvent(agent, delivery) : null;
    if (base) instrumentation.received?.(base);
    const expired = expiryOf(delivery, this.options.visibilityTimeoutMs, heldMs);
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
    // Retries are routine; what ends a message or leaves it unsettled needs a look.
    if (settlement.outcome !== 'acked') this.log(message, settlement);
    if (base && instrumentation.handled) {
      const durationMs = performance.now() - started;
      instrumentation.handled(
        handledEvent(
          base,
          settlement.outcome,
          settlement.error,
          handler !== undefined,
          failed,
          durationMs,
        ),
      );
    }
  }

  private log(message: AgentMessage, { outcome, error, cause }: Settlement): void {
    const line = `${formatAgentId(this.options.agent)}: message ${message.messageId} ${outcome}: ${error}`;
    if (outcome === 'retried') this.options.logger.debug(line);
    else this.options.logger.warn(line, cause);
  }

  private async run(
    handler: AgentHandlerEntry,
    delivery: ReceivedMessage,
    abandon: AbortSignal,
  ): Promise<HandlerResult> {
    const { agent, instrumentation } = this.options;
    const message = delivery.queueMessage.message;
    const run = new HandlerRun(this, delivery, abandon);
    this.watch(abandon);
    const context = new AgentMessageContext(agent, delivery, run);
    const limit = handler.timeoutMs ?? this.options.handlerTimeoutMs;
    // Past the limit the handler is asked to stop, but its message is settled only once it
    // has: the extensions keep the reservation meanwhile, so no retry (in this process or
    // another) runs beside a handler that ignores its signal.
    const timeLimit = limit === undefined ? undefined : this.timeLimitLane(limit);
    this.running.add(run);
    this.extensions.add(run);
    timeLimit?.add(run);
    let result: HandlerResult;
    try {
      let value: unknown;
      if (instrumentation.aroundHandler) {
        value = await instrumentation.aroundHandler(
          agent,
          message,
          // A handler that throws synchronously fails like one that rejects.
          () => new Promise((resolve) => resolve(handler.handle(message.payload, context))),
        );
      } else {
        value = handler.handle(message.payload, context);
        // A handler that returns at once costs no extra turn.
        if (typeof (value as { then?: unknown } | null | undefined)?.then === 'function') {
          value = await value;
        }
      }
      result = { ok: true, value };
    } catch (error) {
      result = { ok: false, failure: classifyFailure(error, this.options.classifyError) };
    } finally {
      this.running.delete(run);
      this.extensions.delete(run);
      timeLimit?.delete(run);
    }
    const timedOut = run.timedOut;
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
  }

  /** The lane of the handler time limit `limit`, made on first use. */
  private timeLimitLane(limit: number): TimerLane<HandlerRun> {
    let lane = this.timeLimits.get(limit);
    if (!lane) {
      lane = this.wheel.lane(limit, (run) => run.timeOut(limit));
      this.timeLimits.set(limit, lane);
    }
    return lane;
  }

  /** Listens once to each shutdown signal: when it fires, the runs it covers are told to stop. */
  private watch(abandon: AbortSignal): void {
    if (this.watched.has(abandon)) return;
    this.watched.add(abandon);
    abandon.addEventListener(
      'abort',
      () => {
        const reason = new OperationAbortedError(
          'message handler',
          'shutdown grace period ran out',
        );
        for (const run of this.running) if (run.abandon === abandon) run.abort(reason);
      },
      { once: true },
    );
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

  /**
   * @internal Sends the RESPONSE under an id derived from the request, so a redelivery cannot
   * answer twice.
   */
  reply(request: AgentMessage, payload: JsonObject, tag?: string): Promise<MessageResult> {
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
 * skew (it wrote `expiresAt`) remains. A delivery that then waited `heldMs` in the worker's
 * prefetch buffer is judged at the time its handler would start: the reservation time plus
 * that wait, measured on this process's monotonic clock.
 */
export function expiryOf(
  delivery: ReceivedMessage,
  visibilityTimeoutMs: number,
  heldMs = 0,
): string | undefined {
  const expiresAt = delivery.queueMessage.message.expiresAt;
  if (expiresAt === undefined) return undefined;
  const deadline = Date.parse(expiresAt);
  const reservedAt = Date.parse(delivery.visibilityDeadline) - visibilityTimeoutMs;
  if (!(reservedAt + heldMs > deadline)) return undefined;
  const reserved = new Date(reservedAt).toISOString();
  return heldMs > 0
    ? `expired: its deadline ${expiresAt} passed before its handler could start, ${Math.round(heldMs)} ms after it was reserved at ${reserved} (Redis clock)`
    : `expired: its deadline ${expiresAt} passed before it was reserved at ${reserved} (Redis clock)`;
}
