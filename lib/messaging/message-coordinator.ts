import type { AgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from './models/agent-message';
import type { FailureType, MessageType } from './models/message.enums';
import type {
  MessageResult,
  MessageSubscription,
  QueueMessage,
  QueueStats,
  ReceivedMessage,
} from './models/queue-message';

/**
 * Runtime limits of a coordinator; see {@link MessageCoordinator.configure}.
 *
 * @public
 */
export interface CoordinatorLimits {
  /** Undelivered messages (ready + delayed + reserved) one recipient may hold. Default 10 000. */
  queueSize: number;
  /** Retries after the first delivery before a message is dead-lettered. Default 3. */
  retryAttempts: number;
  /** First retry delay. Default 1 000 ms. */
  backoffBaseMs: number;
  /** Growth per retry. Default 2. */
  backoffFactor: number;
  /** Largest retry delay. Default 30 000 ms. */
  backoffMaxMs: number;
  /** Jitter of retry delays. Default `full`. */
  jitter: 'none' | 'full' | 'equal';
  /** How long a messageId is remembered per recipient to refuse duplicates. Default 600 000 ms. */
  dedupWindowMs: number;
}

/**
 * What {@link MessageCoordinator.nack} did: scheduled a retry, moved the message to the
 * dead-letter queue, or nothing (`false`: unknown or stale token).
 *
 * @public
 */
export type NackOutcome = 'retried' | 'dead-lettered' | false;

/**
 * Options of {@link MessageCoordinator.receive}.
 *
 * @public
 */
export interface ReceiveOptions {
  /** Block up to this long for a message to arrive. 0 (default) returns at once. */
  waitMs?: number;
  /** Stop waiting when this fires. */
  signal?: AbortSignal;
}

/**
 * Outcome of {@link MessageCoordinator.ackAndReceive}.
 *
 * @public
 */
export interface AckAndReceiveResult {
  /** What {@link MessageCoordinator.ack} returns for the token. */
  acknowledged: boolean;
  /** The next delivery, as {@link MessageCoordinator.receive} returns it. */
  next: ReceivedMessage | null;
}

/**
 * Outcome of {@link MessageCoordinator.ackAndReceiveMany}.
 *
 * @public
 */
export interface AckAndReceiveManyResult {
  /** What {@link MessageCoordinator.ack} returns for each token, in order. */
  acknowledged: boolean[];
  /** The next deliveries, as {@link MessageCoordinator.receiveMany} returns them. */
  next: ReceivedMessage[];
}

/**
 * Options of {@link MessageCoordinator.request}.
 *
 * @public
 */
export interface RequestOptions {
  /** Reject with `RequestTimeoutError` after this long. */
  timeoutMs: number;
  /** Stop waiting when this fires. */
  signal?: AbortSignal;
}

/**
 * Paging of {@link MessageCoordinator.deadLetters}.
 *
 * @public
 */
export interface PageOptions {
  /** Entries to skip, from the oldest. Default 0. */
  offset?: number;
  /** Most entries to return, 1–10 000. Default 100. */
  limit?: number;
}

/**
 * What a message looks like before it is sent: id, timestamp and defaults may be left out.
 *
 * @public
 */
export type OutgoingMessage = Omit<AgentMessage, 'sender' | 'recipient' | 'messageId'> &
  Partial<Pick<AgentMessage, 'sender' | 'recipient' | 'messageId'>>;

/**
 * One message of {@link MessageCoordinator.sendMessages}.
 *
 * @public
 */
export interface BatchMessage {
  /** Who receives it. */
  recipient: AgentId;
  /** What is sent, as for {@link MessageCoordinator.sendMessage}. */
  message: OutgoingMessage;
}

/**
 * Reliable agent-to-agent messaging. The injection token of the Nest module;
 * {@link RedisMessageCoordinator} is the Redis implementation.
 *
 * @public
 */
export abstract class MessageCoordinator {
  /** Enqueues `message` for `recipient`. Never throws for Redis trouble; invalid input throws. */
  abstract sendMessage(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
  ): Promise<MessageResult>;
  /**
   * Sends many messages at once, each as {@link sendMessage} would: one result per message, in
   * order. The Redis implementation validates every message before it sends any (invalid
   * input throws and enqueues nothing) and sends the lot in one pipeline, one round trip; this
   * default sends them one by one, concurrently.
   */
  async sendMessages(sender: AgentId, messages: readonly BatchMessage[]): Promise<MessageResult[]> {
    return Promise.all(
      messages.map((item) => this.sendMessage(sender, item.recipient, item.message)),
    );
  }
  /** Sends one copy per recipient; one result per recipient, in order. */
  abstract broadcastMessage(
    sender: AgentId,
    message: OutgoingMessage,
    recipients: AgentId[],
  ): Promise<MessageResult[]>;
  /** Records that `agentId` wants messages of `types` published with {@link publish}. */
  abstract subscribeToMessages(
    agentId: AgentId,
    types: MessageType[],
  ): Promise<MessageSubscription>;
  /** Removes a subscription; `false` when it did not exist. */
  abstract unsubscribe(subscriptionId: string): Promise<boolean>;
  /** Delivers the message to every agent subscribed to its type. */
  abstract publish(sender: AgentId, message: OutgoingMessage): Promise<MessageResult[]>;
  /** Reserves the next due message, or `null`. */
  abstract receive(
    agentId: AgentId,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<ReceivedMessage | null>;
  /** Removes a reserved message for good; `false` for an unknown, stale or used token. */
  abstract ack(agentId: AgentId, token: string): Promise<boolean>;
  /**
   * Acknowledges `token`, then reserves the next message exactly as {@link receive} would: the
   * step a consumer loop takes after each handled message. The Redis implementation does both
   * in one round trip when a message is ready; this default makes the two calls.
   */
  async ackAndReceive(
    agentId: AgentId,
    token: string,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<AckAndReceiveResult> {
    const acknowledged = await this.ack(agentId, token);
    return { acknowledged, next: await this.receive(agentId, visibilityTimeoutMs, options) };
  }
  /**
   * Reserves up to `maxMessages` due messages, highest priority first, each under its own token
   * and deadline as {@link receive} reserves one; waits up to `options.waitMs` only while none
   * is due. An empty array when nothing arrived. Every reservation's visibility timeout runs
   * from now, also for the messages that wait for their turn: take batches of messages handled
   * well within it. The Redis implementation reserves them in one round trip; this default
   * calls {@link receive} until it has them or none is due.
   */
  async receiveMany(
    agentId: AgentId,
    maxMessages: number,
    visibilityTimeoutMs?: number,
    options: ReceiveOptions = {},
  ): Promise<ReceivedMessage[]> {
    const next: ReceivedMessage[] = [];
    let delivery = await this.receive(agentId, visibilityTimeoutMs, options);
    while (delivery) {
      next.push(delivery);
      if (next.length >= maxMessages) break;
      delivery = await this.receive(agentId, visibilityTimeoutMs, { ...options, waitMs: 0 });
    }
    return next;
  }
  /**
   * Acknowledges every token of `tokens`, then reserves up to `maxMessages` as
   * {@link receiveMany} would: the step of a consumer that handles a batch one message at a
   * time and makes one round trip per batch. The Redis implementation does both in one script
   * call when a message is ready; this default acknowledges one by one, then receives.
   */
  async ackAndReceiveMany(
    agentId: AgentId,
    tokens: readonly string[],
    maxMessages: number,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<AckAndReceiveManyResult> {
    const acknowledged: boolean[] = [];
    for (const token of tokens) acknowledged.push(await this.ack(agentId, token));
    const next = await this.receiveMany(agentId, maxMessages, visibilityTimeoutMs, options);
    return { acknowledged, next };
  }
  /**
   * Gives back reservations whose messages no handler started (a worker's prefetched messages
   * when it stops): each returns to the front of its queue, in the order given, without a
   * delivery attempt counted; the tokens go stale. Tokens no longer reserved are skipped.
   * Returns the number released. The Redis implementation releases them in one script call;
   * this default releases none, leaving them to lapse and be recovered (which counts an attempt).
   */
  async release(agentId: AgentId, tokens: readonly string[]): Promise<number> {
    void agentId;
    void tokens;
    return Promise.resolve(0);
  }
  /**
   * Retries after backoff or dead-letters, and says which: `'retried'`, `'dead-lettered'`
   * (permanent failure or retries spent), or `false` for an unknown or stale token.
   */
  abstract nack(
    agentId: AgentId,
    token: string,
    failure?: FailureType | `${FailureType}`,
    error?: string,
  ): Promise<NackOutcome>;
  /** Pushes a reservation's deadline out; `false` when it already expired. */
  abstract extend(agentId: AgentId, token: string, visibilityTimeoutMs: number): Promise<boolean>;
  /** Returns expired reservations to ready (or dead-letters them); the number moved. */
  abstract recoverPending(agentId?: AgentId): Promise<number>;
  /** Changes runtime limits of this instance. */
  abstract configure(limits: Partial<CoordinatorLimits>): void;
  /**
   * Sends a REQUEST (its `expiresAt` set from `timeoutMs` unless the message has one) and
   * resolves with the matching RESPONSE. Rejects with `AgentRequestError` when the responder
   * answers with an error RESPONSE, and with `RequestTimeoutError` (naming the request's
   * message id) when nothing comes in time.
   */
  abstract request(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
    options: RequestOptions,
  ): Promise<AgentMessage>;
  /** Answers a REQUEST: sends `payload` as the RESPONSE to its `replyTo`, with its correlation id. */
  abstract reply(
    responder: AgentId,
    request: AgentMessage,
    payload: JsonObject,
  ): Promise<MessageResult>;
  /** Dead-lettered messages, oldest first. */
  abstract deadLetters(agentId: AgentId, options?: PageOptions): Promise<QueueMessage[]>;
  /** Puts dead letters back in the queue with attempts reset; the number moved. */
  abstract replayDeadLetters(agentId: AgentId, messageIds?: string[]): Promise<number>;
  /** Drops every dead letter of the agent; the number dropped. */
  abstract purgeDeadLetters(agentId: AgentId): Promise<number>;
  /** Counts of the agent's queue. */
  abstract stats(agentId: AgentId): Promise<QueueStats>;
  /** Agents that have queues, from the index. */
  abstract listQueues(): Promise<AgentId[]>;
  /** Releases connections this coordinator opened (never the caller's). */
  abstract close(): Promise<void>;
}
