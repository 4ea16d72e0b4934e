import type { ResolvedAgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import type { MessageResult, ReceivedMessage } from '../messaging/models/queue-message';

/**
 * What a context needs from the consumer that created it.
 *
 * @internal
 */
export interface AgentMessageContextHooks {
  /** The handler's signal (made when first asked for). */
  readonly signal: AbortSignal;
  extend(visibilityTimeoutMs?: number): Promise<boolean>;
  reply(payload: JsonObject): Promise<MessageResult>;
}

/**
 * Everything a message handler knows about the delivery it is handling. Ask for it with
 * `@AgentContext()`, or take the second argument of an undecorated handler.
 *
 * @public
 */
export class AgentMessageContext<P extends JsonObject = JsonObject> {
  private answered = false;

  /** @internal created by the consumer for each delivery */
  constructor(
    /** The agent handling the message. */
    readonly agentId: ResolvedAgentId,
    private readonly delivery: ReceivedMessage,
    private readonly hooks: AgentMessageContextHooks,
  ) {}

  /**
   * Fires when the handler should stop: the shutdown grace period ran out, the
   * reservation was lost to another consumer, or the handler's `timeoutMs` passed.
   * `signal.reason` says which.
   */
  get signal(): AbortSignal {
    return this.hooks.signal;
  }

  /** The message being handled. */
  get message(): AgentMessage<P> {
    return this.delivery.queueMessage.message as AgentMessage<P>;
  }

  /** Which delivery this is: 1 the first time, 2 on the first retry, and so on. */
  get attempt(): number {
    return this.delivery.queueMessage.deliveryAttempts + 1;
  }

  /** The error recorded by the previous failed delivery, if any. */
  get lastError(): string | undefined {
    return this.delivery.queueMessage.lastError;
  }

  /** The delivery token (unique per delivery). */
  get token(): string {
    return this.delivery.token;
  }

  /** Whether {@link reply} was called. */
  get replied(): boolean {
    return this.answered;
  }

  /**
   * Pushes the reservation out by `visibilityTimeoutMs` (default: the agent's visibility
   * timeout) beyond what the module does on its own; `false` when it was already lost.
   */
  extend(visibilityTimeoutMs?: number): Promise<boolean> {
    return this.hooks.extend(visibilityTimeoutMs);
  }

  /**
   * Answers the REQUEST now with `payload` (sent to its `replyTo` with its correlation id).
   * The handler's return value is then not sent again. Answering twice sends one reply.
   */
  async reply(payload: JsonObject): Promise<MessageResult> {
    const result = await this.hooks.reply(payload);
    this.answered = true;
    return result;
  }
}
