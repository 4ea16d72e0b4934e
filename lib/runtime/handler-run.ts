import { HandlerTimeoutError, ReservationLostError } from '../errors';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import type { MessageResult, ReceivedMessage } from '../messaging/models/queue-message';
import type { AgentMessageContextHooks } from './agent-message.context';
import type { ResolvedWorkerOptions } from './agent-worker.options';
import type { TimerLane } from './timer-wheel';

/** Smallest gap between automatic reservation extensions. */
const MIN_EXTEND_INTERVAL_MS = 5;

/** How often a held reservation is extended: every third of its visibility timeout. */
export function extendIntervalOf(visibilityTimeoutMs: number): number {
  return Math.max(MIN_EXTEND_INTERVAL_MS, Math.floor(visibilityTimeoutMs / 3));
}

/** What a {@link HandlerRun} needs from the dispatcher that made it. */
export interface HandlerRunHost {
  readonly coordinator: MessageCoordinator;
  readonly options: ResolvedWorkerOptions;
  /** Where the run's next automatic extension is scheduled. */
  readonly extensions: TimerLane<HandlerRun>;
  /** Sends `payload` as the RESPONSE to `request`. */
  reply(request: AgentMessage, payload: JsonObject): Promise<MessageResult>;
}

/**
 * The state of one running handler: its signal, made only when the handler asks for it; its
 * reservation, extended from the dispatcher's timer wheel; and its time limit. One object per
 * delivery, doubling as the context's hooks, so a quick handler costs no timer, controller or
 * listener.
 */
export class HandlerRun implements AgentMessageContextHooks {
  /** The reservation was found lost: the run is not extended any more. */
  lost = false;
  /** The error the run's time limit raised, once it passed. */
  timedOut: HandlerTimeoutError | undefined;
  private extending = false;
  private controller: AbortController | undefined;
  private stopped = false;
  private stopReason: unknown;

  constructor(
    private readonly host: HandlerRunHost,
    /** The delivery being handled. */
    readonly delivery: ReceivedMessage,
    /** The signal that abandons the run on shutdown. */
    readonly abandon: AbortSignal,
  ) {}

  /** The handler's signal; aborted already when it is first asked for after the run stopped. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.stopReason);
    }
    return this.controller.signal;
  }

  /** Tells the handler to stop; the first reason is kept. */
  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
    this.controller?.abort(reason);
  }

  /** Pushes the reservation out; `false` (and the signal fired) when it was lost. */
  async extend(visibilityTimeoutMs?: number): Promise<boolean> {
    const { agent, visibilityTimeoutMs: visibility } = this.host.options;
    const kept = await this.host.coordinator.extend(
      agent,
      this.delivery.token,
      visibilityTimeoutMs ?? visibility,
    );
    if (!kept) {
      this.lost = true;
      this.abort(new ReservationLostError(this.delivery.queueMessage.message.messageId));
    }
    return kept;
  }

  /**
   * The automatic extension, due every third of the visibility timeout until the handler
   * settles, also once its signal fired: a message stays reserved while any handler of it
   * runs. Only a lost reservation stops it; one extension runs at a time.
   */
  extendWhenDue(): void {
    if (this.lost) return;
    this.host.extensions.add(this);
    if (this.extending) return;
    this.extending = true;
    this.extend()
      .catch((error: Error) =>
        this.host.options.logger.warn(
          `extend of ${this.delivery.queueMessage.message.messageId} failed: ${error.message}`,
        ),
      )
      .finally(() => (this.extending = false));
  }

  /** The handler ran past `limitMs`: its signal fires with a `HandlerTimeoutError`. */
  timeOut(limitMs: number): void {
    this.timedOut = new HandlerTimeoutError(this.delivery.queueMessage.message.messageId, limitMs);
    this.abort(this.timedOut);
  }

  /** Answers the REQUEST being handled. */
  reply(payload: JsonObject): Promise<MessageResult> {
    return this.host.reply(this.delivery.queueMessage.message, payload);
  }
}
