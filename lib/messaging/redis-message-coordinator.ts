import { isoTime } from '../common/iso-time';
import { KeyLayout, KEY_LAYOUT_VERSION, type QueueKeys } from '../common/key-layout';
import { runLuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { TickBatcher } from '../common/tick-batcher';
import { assertInteger, describeValue } from '../common/validate';
import { ConfigurationError, RedisOperationError, ValidationError } from '../errors';
import { backoffDelay } from '../resilience/backoff';
import { aroundEach, type MessageSentEvent } from './coordinator-instrumentation';
import {
  MAX_TIMEOUT_MS,
  PROMOTE_BATCH_SIZE,
  resolveCoordinatorOptions,
  resolveLimits,
  type RedisMessageCoordinatorOptions,
  type ResolvedCoordinatorOptions,
} from './coordinator.options';
import {
  decodeStored,
  MalformedBodyError,
  parseToken,
  splitIssuedToken,
  type DeliveryToken,
} from './message-codec';
import {
  MessageCoordinator,
  type AckAndReceiveManyResult,
  type AckAndReceiveResult,
  type BatchMessage,
  type CoordinatorLimits,
  type NackOutcome,
  type OutgoingMessage,
  type PageOptions,
  type ReceiveOptions,
  type RequestOptions,
} from './message-coordinator';
import {
  formatAgentId,
  parseAgentId,
  resolveAgentId,
  type AgentId,
  type ResolvedAgentId,
} from '../common/agent-id';
import type { AgentMessage, JsonObject } from './models/agent-message';
import { FailureType, MessagePriority, MessageType } from './models/message.enums';
import type {
  MessageResult,
  MessageSubscription,
  QueueMessage,
  QueueStats,
  ReceivedMessage,
} from './models/queue-message';
import {
  ackAndReserveKeys,
  allQueueKeys,
  NackResult,
  QueueScripts,
  readyKeys,
  reserveKeys,
} from './queue-scripts';
import { REPLY_INBOX_TYPE, ReplyInbox } from './reply-inbox';
import { newMessageId } from './message-id';
import {
  prepareOutgoing,
  validateAgentId,
  validateToken,
  type PreparedMessage,
} from './outgoing-message';
import { SubscriptionStore } from './subscription-store';
import { WakeWaiter } from './wake-waiter';
import { readDeadLetters, readOldestReadyAt, readStats } from './queue-reads';
import { failedSend, sendPrepared } from './queue-sends';

const FAILURE_TYPES = new Set<string>(Object.values(FailureType));
const DEFAULT_VISIBILITY_TIMEOUT_MS = 5_000;

/** Most messages one {@link RedisMessageCoordinator.receiveMany} call reserves. */
export const MAX_RECEIVE_MANY = 500;
const DEFAULT_PAGE_SIZE = 100;

/** Reason recorded on a message whose reservation lapsed. */
export const EXPIRED_REASON = 'visibility timeout expired';

/**
 * The Redis implementation of {@link MessageCoordinator}.
 *
 * Each recipient has its own queue of keys under one cluster hash tag; every state change is
 * one Lua script (see docs/PROTOCOL.md). The caller owns `redis`; only the connections this
 * class duplicates for blocking waits are closed by {@link close}.
 *
 * @public
 */
export class RedisMessageCoordinator extends MessageCoordinator {
  private readonly keys: KeyLayout;
  private readonly options: ResolvedCoordinatorOptions;
  private readonly waiter: WakeWaiter;
  private readonly inbox: ReplyInbox;
  private readonly subscriptions: SubscriptionStore;
  private readonly indexed = new Set<string>();
  /** Single sends made in the same turn of the event loop go to Redis as one batch. */
  private readonly sends = new TickBatcher<PreparedMessage, MessageResult>((batch) =>
    this.enqueue(batch),
  );
  private ready: Promise<void> | undefined;
  private isReady = false;
  private readonly queues = new Map<string, Map<string, QueueHandle>>();

  /**
   * @param redis a connected ioredis `Redis` or `Cluster`, owned by the caller
   * @throws ConfigurationError for invalid options
   */
  constructor(
    private readonly redis: RedisClient,
    options: RedisMessageCoordinatorOptions = {},
  ) {
    super();
    this.options = resolveCoordinatorOptions(options);
    this.keys = new KeyLayout(this.options.keyPrefix);
    const blocking = this.options.blockingReceive ?? !redis.constructor.name.includes('Mock');
    this.waiter = new WakeWaiter(redis, blocking, this.options.pollIntervalMs, this.options.logger);
    this.subscriptions = new SubscriptionStore(redis, this.keys);
    this.inbox = new ReplyInbox(
      {
        receive: (agent, visibility, opts) => this.receive(agent, visibility, opts),
        ack: (agent, token) => this.ack(agent, token),
        expire: (agent, ttlMs) => this.expireQueue(agent, ttlMs),
        remove: (agent) => this.redis.del(...allQueueKeys(this.keys.queue(agent))),
      },
      this.options.replyInboxTtlMs,
    );
  }

  /** The limits in force on this instance. */
  get limits(): Readonly<CoordinatorLimits> {
    const { retryPolicy: _policy, ...limits } = this.options.limits;
    return limits;
  }

  configure(limits: Partial<CoordinatorLimits>): void {
    this.options.limits = resolveLimits(this.options.limits, limits);
  }

  /**
   * Enqueues `message` for `recipient`. Calls made in the same turn of the event loop are sent
   * together on the next tick, as {@link sendMessages} sends a batch; each keeps its own result.
   */
  async sendMessage(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
  ): Promise<MessageResult> {
    const hooks = this.options.instrumentation;
    if (hooks?.aroundSend && isObject(message)) {
      return hooks.aroundSend({ operation: 'send', sender, recipient, message }, async (traced) =>
        this.sends.add(prepareOutgoing(sender, recipient, traced, this.options)),
      );
    }
    return this.sends.add(prepareOutgoing(sender, recipient, message, this.options));
  }

  override async sendMessages(
    sender: AgentId,
    messages: readonly BatchMessage[],
  ): Promise<MessageResult[]> {
    const hooks = this.options.instrumentation;
    // Malformed input skips the hooks, for the validation error of sendBatch.
    if (hooks?.aroundSend && isReadableBatch(messages)) {
      const sends = messages.map(({ recipient, message }) => ({
        operation: 'send' as const,
        sender,
        recipient,
        message,
      }));
      return aroundEach({ aroundSend: hooks.aroundSend.bind(hooks) }, sends, async (traced) =>
        this.sendBatch(
          sender,
          traced.map((message, i) => ({ recipient: messages[i].recipient, message })),
        ),
      );
    }
    return this.sendBatch(sender, messages);
  }

  async broadcastMessage(
    sender: AgentId,
    message: OutgoingMessage,
    recipients: AgentId[],
  ): Promise<MessageResult[]> {
    const hooks = this.options.instrumentation;
    if (hooks?.aroundSend && isObject(message)) {
      return hooks.aroundSend({ operation: 'broadcast', sender, message }, async (traced) =>
        this.broadcast(sender, traced, recipients),
      );
    }
    return this.broadcast(sender, message, recipients);
  }

  async subscribeToMessages(agentId: AgentId, types: MessageType[]): Promise<MessageSubscription> {
    const agent = validateAgentId(agentId, 'agentId');
    return this.subscriptions.add(agent, types);
  }

  async unsubscribe(subscriptionId: string): Promise<boolean> {
    return this.subscriptions.remove(subscriptionId);
  }

  async publish(sender: AgentId, message: OutgoingMessage): Promise<MessageResult[]> {
    const hooks = this.options.instrumentation;
    if (hooks?.aroundSend && isObject(message)) {
      return hooks.aroundSend({ operation: 'publish', sender, message }, (traced) =>
        this.publishToSubscribers(sender, traced),
      );
    }
    return this.publishToSubscribers(sender, message);
  }

  async receive(
    agentId: AgentId,
    visibilityTimeoutMs = DEFAULT_VISIBILITY_TIMEOUT_MS,
    options: ReceiveOptions = {},
  ): Promise<ReceivedMessage | null> {
    const agent = validateAgentId(agentId, 'agentId');
    assertInteger(visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TIMEOUT_MS);
    const waitMs = assertInteger(options.waitMs ?? 0, 'waitMs', 0, MAX_TIMEOUT_MS);
    await this.whenReady('receive');
    return this.reserve(agent, visibilityTimeoutMs, waitMs, options.signal);
  }

  /** Acknowledges and reserves the next message in one script when one is ready. */
  override async ackAndReceive(
    agentId: AgentId,
    token: string,
    visibilityTimeoutMs = DEFAULT_VISIBILITY_TIMEOUT_MS,
    options: ReceiveOptions = {},
  ): Promise<AckAndReceiveResult> {
    const agent = validateAgentId(agentId, 'agentId');
    const parsed = validateToken(token);
    assertInteger(visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TIMEOUT_MS);
    const waitMs = assertInteger(options.waitMs ?? 0, 'waitMs', 0, MAX_TIMEOUT_MS);
    await this.whenReady('ackAndReceive');
    const reply = (await this.run(
      'ackAndReceive',
      QueueScripts.ackAndReserve,
      this.queueOf(agent).ackAndReserveKeys,
      [
        token,
        parsed.messageId,
        this.options.limits.dedupWindowMs,
        visibilityTimeoutMs,
        PROMOTE_BATCH_SIZE,
      ],
    )) as ReplyValues;
    // The reserve reply follows the ack result.
    const next = await this.reserve(agent, visibilityTimeoutMs, waitMs, options.signal, reply, 1);
    return { acknowledged: reply[0] === 1, next };
  }

  /** Reserves up to `maxMessages` (at most 500) in one script call. */
  override async receiveMany(
    agentId: AgentId,
    maxMessages: number,
    visibilityTimeoutMs = DEFAULT_VISIBILITY_TIMEOUT_MS,
    options: ReceiveOptions = {},
  ): Promise<ReceivedMessage[]> {
    const { next } = await this.ackAndReceiveMany(
      agentId,
      [],
      maxMessages,
      visibilityTimeoutMs,
      options,
    );
    return next;
  }

  /**
   * Acknowledges the tokens and reserves up to `maxMessages` (at most 500)
   * in one script call; only when none is due does it go on to wait, for one message.
   */
  override async ackAndReceiveMany(
    agentId: AgentId,
    tokens: readonly string[],
    maxMessages: number,
    visibilityTimeoutMs = DEFAULT_VISIBILITY_TIMEOUT_MS,
    options: ReceiveOptions = {},
  ): Promise<AckAndReceiveManyResult> {
    const agent = validateAgentId(agentId, 'agentId');
    if (!Array.isArray(tokens))
      throw new ValidationError('tokens', 'isArray', 'must be an array of delivery tokens');
    const acking = tokens.map((token: string) => ({ token, id: validateToken(token).messageId }));
    assertInteger(maxMessages, 'maxMessages', 1, MAX_RECEIVE_MANY);
    assertInteger(visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TIMEOUT_MS);
    const waitMs = assertInteger(options.waitMs ?? 0, 'waitMs', 0, MAX_TIMEOUT_MS);
    await this.whenReady('ackAndReceiveMany');
    const args: (string | number)[] = [
      this.options.limits.dedupWindowMs,
      visibilityTimeoutMs,
      PROMOTE_BATCH_SIZE,
      maxMessages,
    ];
    for (const { token, id } of acking) args.push(token, id);
    const reply = (await this.run(
      'ackAndReceiveMany',
      QueueScripts.ackAndReserveMany,
      this.queueOf(agent).ackAndReserveKeys,
      args,
    )) as ReplyValues;
    const acks = String(reply[0]);
    const count = Number(reply[1]);
    const acknowledged = tokens.map((_, i) => acks[i] === '1');
    const next: ReceivedMessage[] = [];
    // Five values per reserved message from index 2: token, body, attempts, deadline, last error.
    for (let i = 0; i < count; i++) {
      const delivery = await this.toDelivery(agent, reply, 2 + i * 5);
      if (delivery) next.push(delivery);
    }
    if (next.length === 0) {
      // Nothing due (or only bodies that were dead-lettered as malformed): wait for one. With
      // nothing reserved, the reply is {acks, 0, next due, now}: a reserve reply from index 1.
      const one =
        count === 0
          ? await this.reserve(agent, visibilityTimeoutMs, waitMs, options.signal, reply, 1)
          : await this.reserve(agent, visibilityTimeoutMs, waitMs, options.signal);
      if (one) next.push(one);
    }
    return { acknowledged, next };
  }

  async ack(agentId: AgentId, token: string): Promise<boolean> {
    const agent = validateAgentId(agentId, 'agentId');
    const parsed = validateToken(token);
    const keys = this.keys.queue(agent);
    const result = await this.run(
      'ack',
      QueueScripts.ack,
      [keys.reserved, keys.bodies, keys.attempts, keys.dedup, keys.errors],
      [token, parsed.messageId, this.options.limits.dedupWindowMs],
    );
    return result === 1;
  }

  /** Releases the tokens' reservations in one script call (see {@link MessageCoordinator.release}). */
  override async release(agentId: AgentId, tokens: readonly string[]): Promise<number> {
    const agent = validateAgentId(agentId, 'agentId');
    if (!Array.isArray(tokens))
      throw new ValidationError('tokens', 'isArray', 'must be an array of delivery tokens');
    const args: string[] = [];
    for (const token of tokens as readonly string[]) {
      args.push(token, validateToken(token).messageId);
    }
    if (args.length === 0) return 0;
    const keys = this.keys.queue(agent);
    return (await this.run(
      'release',
      QueueScripts.release,
      [...readyKeys(keys), keys.reserved, keys.bodies, keys.wake],
      args,
    )) as number;
  }

  async nack(
    agentId: AgentId,
    token: string,
    failure: FailureType | `${FailureType}` = FailureType.TRANSIENT,
    error?: string,
  ): Promise<NackOutcome> {
    const agent = validateAgentId(agentId, 'agentId');
    const parsed = validateToken(token);
    if (!FAILURE_TYPES.has(failure)) {
      throw new ValidationError(
        'failure',
        'isEnum',
        `must be one of ${[...FAILURE_TYPES].join(', ')}`,
      );
    }
    if (error !== undefined && typeof error !== 'string') {
      throw new ValidationError('error', 'isString', 'must be a string');
    }
    return this.giveBack(agent, token, parsed, failure, error ?? failure);
  }

  async extend(agentId: AgentId, token: string, visibilityTimeoutMs: number): Promise<boolean> {
    const agent = validateAgentId(agentId, 'agentId');
    validateToken(token);
    assertInteger(visibilityTimeoutMs, 'visibilityTimeoutMs', 1, MAX_TIMEOUT_MS);
    const [code] = (await this.run(
      'extend',
      QueueScripts.extend,
      [this.keys.queue(agent).reserved],
      [token, visibilityTimeoutMs],
    )) as [number, string?];
    return code === 1;
  }

  async recoverPending(agentId?: AgentId): Promise<number> {
    const agents = agentId
      ? [validateAgentId(agentId, 'agentId')]
      : await this.indexedQueues('recoverPending');
    let moved = 0;
    for (const agent of agents) {
      const keys = this.keys.queue(agent);
      for (;;) {
        const [count] = (await this.run(
          'recoverPending',
          QueueScripts.recover,
          [
            keys.reserved,
            keys.bodies,
            keys.attempts,
            keys.errors,
            keys.dead,
            ...readyKeys(keys),
            keys.seq,
            keys.wake,
          ],
          [this.options.limits.retryAttempts, this.options.recoverBatchSize, EXPIRED_REASON],
        )) as [number, number];
        moved += count;
        if (count < this.options.recoverBatchSize) break;
      }
    }
    return moved;
  }

  async request(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
    options: RequestOptions,
  ): Promise<AgentMessage> {
    const hooks = this.options.instrumentation;
    if (hooks?.aroundSend && isObject(message)) {
      const outgoing = { ...message, messageType: MessageType.REQUEST };
      const send = { operation: 'request' as const, sender, recipient, message: outgoing };
      return hooks.aroundSend(send, async (traced) =>
        this.sendRequest(sender, recipient, traced, options),
      );
    }
    return this.sendRequest(sender, recipient, message, options);
  }

  /**
   * Answers a REQUEST: sends `payload` as a RESPONSE to its `replyTo` with its correlation id.
   *
   * @throws ValidationError when the request has no `replyTo` or `correlationId`
   */
  override async reply(
    responder: AgentId,
    request: AgentMessage,
    payload: JsonObject,
  ): Promise<MessageResult> {
    if (!request?.replyTo)
      throw new ValidationError('request.replyTo', 'isDefined', 'the request names no replyTo');
    const correlationId = request.correlationId ?? request.messageId;
    return this.sendMessage(responder, request.replyTo, {
      messageType: MessageType.RESPONSE,
      correlationId,
      payload,
      priority: request.priority ?? MessagePriority.NORMAL,
    });
  }

  async deadLetters(agentId: AgentId, options: PageOptions = {}): Promise<QueueMessage[]> {
    const agent = validateAgentId(agentId, 'agentId');
    const offset = assertInteger(options.offset ?? 0, 'offset', 0);
    const limit = assertInteger(options.limit ?? DEFAULT_PAGE_SIZE, 'limit', 1, 10_000);
    const keys = this.keys.queue(agent);
    return this.guard('deadLetters', () => readDeadLetters(this.redis, keys, agent, offset, limit));
  }

  async replayDeadLetters(agentId: AgentId, messageIds?: string[]): Promise<number> {
    const agent = validateAgentId(agentId, 'agentId');
    if (
      messageIds !== undefined &&
      (!Array.isArray(messageIds) || !messageIds.every((id) => typeof id === 'string'))
    ) {
      throw new ValidationError('messageIds', 'isArray', 'must be an array of message ids');
    }
    if (messageIds?.length === 0) return 0;
    const keys = this.keys.queue(agent);
    return (await this.run(
      'replayDeadLetters',
      QueueScripts.replay,
      [keys.dead, keys.bodies, keys.attempts, keys.errors, ...readyKeys(keys), keys.wake],
      messageIds ?? [],
    )) as number;
  }

  async purgeDeadLetters(agentId: AgentId): Promise<number> {
    const keys = this.keys.queue(validateAgentId(agentId, 'agentId'));
    return (await this.run(
      'purgeDeadLetters',
      QueueScripts.purge,
      [keys.dead, keys.bodies, keys.attempts, keys.errors, keys.dedup],
      [this.options.limits.dedupWindowMs],
    )) as number;
  }

  async stats(agentId: AgentId): Promise<QueueStats> {
    const keys = this.keys.queue(validateAgentId(agentId, 'agentId'));
    return this.guard('stats', () => readStats(this.redis, keys));
  }

  /**
   * When the oldest ready message of the agent entered the queue (ISO-8601, Redis clock), or
   * `null` when none is ready. The head of each priority list is the oldest of its priority.
   */
  async oldestReadyAt(agentId: AgentId): Promise<string | null> {
    const keys = this.keys.queue(validateAgentId(agentId, 'agentId'));
    const oldest = await this.guard('oldestReadyAt', () => readOldestReadyAt(this.redis, keys));
    return oldest === null ? null : new Date(oldest).toISOString();
  }

  listQueues(): Promise<AgentId[]> {
    return this.indexedQueues('listQueues');
  }

  /**
   * The agents in the queue index, sorted; a Redis failure is reported as `operation`'s.
   * Reply inboxes are not indexed; entries of them that 0.1.0 wrote are removed on sight.
   */
  private async indexedQueues(operation: string): Promise<ResolvedAgentId[]> {
    const members = await this.guard(operation, () => this.redis.smembers(this.keys.queueIndex));
    const inboxes = members.filter(isReplyInbox);
    if (inboxes.length > 0) {
      await this.guard(operation, () => this.redis.srem(this.keys.queueIndex, ...inboxes));
    }
    return members
      .filter((member) => !isReplyInbox(member))
      .map((member) => parseAgentId(member))
      .filter((id): id is ResolvedAgentId => id !== null)
      .sort((a, b) => formatAgentId(a).localeCompare(formatAgentId(b)));
  }

  async close(): Promise<void> {
    this.waiter.close();
    await this.inbox.close();
  }

  // The sends without hooks. Not async, so that a call without instrumentation makes no extra
  // promise; invalid input throws synchronously, which the async public method turns into a
  // rejection.

  /** {@link sendMessages} without the hooks. */
  private sendBatch(sender: AgentId, messages: readonly BatchMessage[]): Promise<MessageResult[]> {
    if (!Array.isArray(messages))
      throw new ValidationError(
        'messages',
        'isArray',
        'must be an array of { recipient, message }',
      );
    const prepared = messages.map((item: unknown, index) => {
      if (typeof item !== 'object' || item === null)
        throw new ValidationError(
          `messages[${index}]`,
          'isObject',
          'must be { recipient, message }',
        );
      const { recipient, message } = item as BatchMessage;
      return prepareOutgoing(
        sender,
        recipient,
        message,
        this.options,
        `messages[${index}].recipient`,
      );
    });
    return prepared.length === 0 ? Promise.resolve([]) : this.enqueue(prepared);
  }

  /** {@link broadcastMessage} without the hooks. */
  private broadcast(
    sender: AgentId,
    message: OutgoingMessage,
    recipients: AgentId[],
  ): Promise<MessageResult[]> {
    if (!Array.isArray(recipients))
      throw new ValidationError('recipients', 'isArray', 'must be an array of agent ids');
    const prepared = recipients.map((recipient, index) =>
      prepareOutgoing(sender, recipient, message, this.options, `recipients[${index}]`),
    );
    return prepared.length === 0 ? Promise.resolve([]) : this.enqueue(prepared);
  }

  /** {@link publish} without the hooks. */
  private async publishToSubscribers(
    sender: AgentId,
    message: OutgoingMessage,
  ): Promise<MessageResult[]> {
    if (!isObject(message)) throw new ValidationError('message', 'isObject', 'must be an object');
    const type = message.messageType ?? MessageType.EVENT;
    const recipients = await this.subscriptions.subscribers(type);
    return this.broadcast(sender, { ...message, messageType: type }, recipients);
  }

  /** {@link request} without the hooks. */
  private sendRequest(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
    options: RequestOptions,
  ): Promise<AgentMessage> {
    if (!isObject(message)) throw new ValidationError('message', 'isObject', 'must be an object');
    const timeoutMs = assertInteger(options?.timeoutMs, 'timeoutMs', 1, MAX_TIMEOUT_MS);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new ValidationError('signal', 'isAbortSignal', 'must be an AbortSignal');
    }
    const correlationId = message.correlationId ?? newMessageId();
    const outgoing: OutgoingMessage = {
      ...message,
      messageType: MessageType.REQUEST,
      correlationId,
      replyTo: this.inbox.agent,
      // The caller's deadline, on the caller's clock: past it nobody waits for the answer, so
      // a worker that reserves the request later dead-letters it instead of running it.
      expiresAt: message.expiresAt ?? new Date(Date.now() + timeoutMs).toISOString(),
    };
    const prepared = prepareOutgoing(sender, recipient, outgoing, this.options);
    return this.inbox.await(
      correlationId,
      timeoutMs,
      async () => {
        const [result] = await this.enqueue([prepared]);
        if (!result.delivered)
          // A send that was not delivered always says why.
          throw new RedisOperationError('request', String(result.error));
      },
      options.signal,
      prepared.message.messageId,
    );
  }

  /**
   * Indexes the recipients, then sends the batch (see {@link sendPrepared}); the reply inboxes
   * it reached get their time to live set again, and the `sent` hook hears of each message.
   * Never throws.
   */
  private async enqueue(batch: readonly PreparedMessage[]): Promise<MessageResult[]> {
    try {
      await this.ensureReady();
      for (const prepared of batch) await this.ensureIndexed(prepared.recipient);
    } catch (error) {
      return this.reportSent(
        batch,
        batch.map((p) => failedSend(p, error)),
      );
    }
    const results = await sendPrepared(this.redis, this.keys, this.options.limits.queueSize, batch);
    await this.expireReachedInboxes(batch, results);
    return this.reportSent(batch, results);
  }

  /**
   * Sets the time to live of each reply inbox a RESPONSE was delivered to, so that the answer
   * of a requester that died does not stay forever. A failure is logged: the answer is
   * delivered all the same.
   */
  private async expireReachedInboxes(
    batch: readonly PreparedMessage[],
    results: readonly MessageResult[],
  ): Promise<void> {
    const inboxes = new Map<string, ResolvedAgentId>();
    batch.forEach((prepared, i) => {
      if (prepared.recipient.type === REPLY_INBOX_TYPE && results[i].delivered) {
        inboxes.set(formatAgentId(prepared.recipient), prepared.recipient);
      }
    });
    for (const [name, inbox] of inboxes) {
      await this.expireQueue(inbox, this.options.replyInboxTtlMs).catch((error: Error) =>
        this.options.logger.warn(
          `could not set the expiry of reply inbox ${name}: ${error.message}`,
        ),
      );
    }
  }

  private expireQueue(agent: ResolvedAgentId, ttlMs: number): Promise<unknown> {
    return this.run('expire', QueueScripts.expire, allQueueKeys(this.keys.queue(agent)), [ttlMs]);
  }

  /** Tells the `sent` hook, if there is one, of each message; returns `results`. */
  private reportSent(batch: readonly PreparedMessage[], results: MessageResult[]): MessageResult[] {
    const hooks = this.options.instrumentation;
    if (!hooks?.sent) return results;
    batch.forEach(({ message, recipient }, i) => {
      const event: MessageSentEvent = {
        sender: resolveAgentId(message.sender),
        recipient,
        messageId: message.messageId,
        messageType: message.messageType,
        result: results[i],
      };
      if (message.correlationId !== undefined) event.correlationId = message.correlationId;
      try {
        hooks.sent!(event);
      } catch (error) {
        // A metrics hook must not turn a send that happened into a failure.
        const cause = error instanceof Error ? error : undefined;
        this.options.logger.warn(
          `instrumentation.sent failed on message ${message.messageId}: ${cause?.message ?? describeValue(error)}`,
          cause,
        );
      }
    });
    return results;
  }

  /**
   * Reserves the next due message, waiting on the agent's wake marker up to `waitMs` while
   * none is due. `first` is a reserve reply already in hand (from ack-and-reserve), starting at
   * index `at` of it.
   */
  private async reserve(
    agent: ResolvedAgentId,
    visibilityTimeoutMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
    first?: ReplyValues,
    at = 0,
  ): Promise<ReceivedMessage | null> {
    const queue = this.queueOf(agent);
    const giveUpAt = Date.now() + waitMs;
    let reply = first;
    let from = at;
    for (;;) {
      if (reply === undefined) {
        reply = (await this.run('receive', QueueScripts.reserve, queue.reserveKeys, [
          visibilityTimeoutMs,
          PROMOTE_BATCH_SIZE,
        ])) as ReplyValues;
        from = 0;
      }
      // {1, token, stored, attempts, deadline, last error} or {0, next due, now}
      if (reply[from] === 1) {
        const delivery = await this.toDelivery(agent, reply, from + 1);
        if (delivery) return delivery;
        reply = undefined;
        continue;
      }
      const left = giveUpAt - Date.now();
      if (left <= 0 || signal?.aborted) return null;
      const nextDue = Number(reply[from + 1]);
      const untilDue = nextDue >= 0 ? Math.max(1, nextDue - Number(reply[from + 2])) : left;
      reply = undefined;
      await this.waiter.wait(queue.keys.wake, Math.min(left, untilDue), signal);
    }
  }

  /**
   * The delivery of one reserved message, from the five reply values at `at`: token, stored
   * body, attempts, deadline, last error. A message that cannot be read is dead-lettered
   * (`null`).
   */
  private async toDelivery(
    agent: ResolvedAgentId,
    reply: ReplyValues,
    at: number,
  ): Promise<ReceivedMessage | null> {
    const token = String(reply[at]);
    // An id planted by something else may be no valid message id: then the token could never
    // be acked or nacked, and the message would cycle through expiry instead of dead-lettering.
    const issued = parseToken(token);
    let queueMessage: QueueMessage;
    try {
      if (!issued) throw new MalformedBodyError('message id in the queue is malformed');
      const lastError = reply[at + 4] ? String(reply[at + 4]) : undefined;
      queueMessage = decodeStored(
        String(reply[at + 1]),
        issued.messageId,
        agent,
        Number(reply[at + 2]),
        lastError,
      );
    } catch (error) {
      // Only MalformedBodyError gets here: decoding throws nothing else.
      const parsed = issued ?? splitIssuedToken(token);
      // The token of an empty id cannot even be split: that reservation lapses and is recovered.
      if (parsed)
        await this.giveBack(
          agent,
          token,
          parsed,
          FailureType.PERMANENT,
          `malformed message body: ${(error as Error).message}`,
        );
      return null;
    }
    return { token, queueMessage, visibilityDeadline: isoTime(Number(reply[at + 3])) };
  }

  private async giveBack(
    agent: ResolvedAgentId,
    token: string,
    parsed: DeliveryToken,
    failure: FailureType | `${FailureType}`,
    error: string,
  ): Promise<NackOutcome> {
    const keys = this.keys.queue(agent);
    const permanent = failure === 'permanent';
    const delay = backoffDelay(this.options.limits.retryPolicy, parsed.attempts + 1);
    const result = await this.run(
      'nack',
      QueueScripts.nack,
      [keys.reserved, keys.attempts, keys.errors, keys.dead, keys.delayed, keys.seq, keys.wake],
      [token, parsed.messageId, permanent ? 1 : 0, this.options.limits.retryAttempts, delay, error],
    );
    if (result === NackResult.RETRY_SCHEDULED) return 'retried';
    return result === NackResult.DEAD_LETTERED ? 'dead-lettered' : false;
  }

  private async ensureIndexed(agent: ResolvedAgentId): Promise<void> {
    const member = formatAgentId(agent);
    if (this.indexed.has(member) || agent.type === REPLY_INBOX_TYPE) return;
    await this.redis.sadd(this.keys.queueIndex, member);
    this.indexed.add(member);
  }

  private ensureReady(): Promise<void> {
    this.ready ??= this.checkLayout().then(
      () => {
        this.isReady = true;
      },
      (error: unknown) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  /** {@link ensureReady} for a receive path: nothing to wait for once the layout was checked. */
  private whenReady(operation: string): Promise<void> | undefined {
    return this.isReady ? undefined : this.guard(operation, () => this.ensureReady());
  }

  /** The keys of an agent's queue and the key lists of its hot scripts, built once per agent. */
  private queueOf(agent: ResolvedAgentId): QueueHandle {
    // By type, then instance: no string is built to look one up.
    let instances = this.queues.get(agent.type);
    let queue = instances?.get(agent.instance);
    if (!queue) {
      const keys = this.keys.queue(agent);
      queue = { keys, reserveKeys: reserveKeys(keys), ackAndReserveKeys: ackAndReserveKeys(keys) };
      // Bounded: a process receiving for more agents than this rebuilds the lists of the others.
      if (!instances || instances.size >= MAX_CACHED_QUEUES) {
        if (this.queues.size >= MAX_CACHED_QUEUES) this.queues.clear();
        instances = new Map();
        this.queues.set(agent.type, instances);
      }
      instances.set(agent.instance, queue);
    }
    return queue;
  }

  private async checkLayout(): Promise<void> {
    const version = String(KEY_LAYOUT_VERSION);
    await this.redis.set(this.keys.layout, version, 'NX');
    const stored = await this.redis.get(this.keys.layout);
    if (stored !== version) {
      throw new ConfigurationError(
        'keyPrefix',
        'layoutVersion',
        `keys under it use layout ${stored}, this client ${version}`,
      );
    }
  }

  private run(
    operation: string,
    script: (typeof QueueScripts)[keyof typeof QueueScripts],
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> {
    return this.guard(operation, () => runLuaScript(this.redis, script, keys, args));
  }

  private async guard<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new RedisOperationError(operation, error);
    }
  }
}

/**
 * A script's reply as ioredis returns it. A reserve reply, alone or after an ack result, is
 * `{1, token, stored, attempts, deadline, lastError or ''}` or `{0, nextDue, now}`.
 */

/** Whether a queue index entry names a reply inbox (`_replies/…`). */
function isReplyInbox(member: string): boolean {
  return member.startsWith(`${REPLY_INBOX_TYPE}/`);
}

/** Whether the send hooks can read `value`; anything else goes straight to validation. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether the send hooks can read every message of a batch; if not, validation refuses it. */
function isReadableBatch(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  return (messages as unknown[]).every((item) => isObject(item) && isObject(item.message));
}

type ReplyValues = (string | number)[];

/** An agent's queue keys with the key lists of the scripts the receive path runs. */
interface QueueHandle {
  keys: QueueKeys;
  reserveKeys: string[];
  ackAndReserveKeys: string[];
}

/** Agent types, and instances of one type, whose key lists a coordinator keeps built. */
const MAX_CACHED_QUEUES = 1_000;
