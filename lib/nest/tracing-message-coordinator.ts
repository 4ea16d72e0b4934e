import { ValidationError } from '../errors';
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
} from '../messaging/message-coordinator';
import type { AgentId } from '../messaging/models/agent-id';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import { type FailureType, MessagePriority, MessageType } from '../messaging/models/message.enums';
import type {
  MessageResult,
  MessageSubscription,
  QueueMessage,
  QueueStats,
  ReceivedMessage,
} from '../messaging/models/queue-message';
import type { AgentTracing } from './agent-coordination.tracing';

/**
 * The `MessageCoordinator` the module injects when tracing is on: every send runs in a
 * PRODUCER span whose context rides in the message's routing tags; everything else goes
 * straight to the wrapped coordinator.
 */
export class TracingMessageCoordinator extends MessageCoordinator {
  constructor(
    /** The coordinator that does the work. */
    readonly inner: MessageCoordinator,
    private readonly tracing: AgentTracing,
  ) {
    super();
  }

  sendMessage(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
  ): Promise<MessageResult> {
    return this.tracing.traceSend('send', recipient, message, (m) =>
      this.inner.sendMessage(sender, recipient, m),
    );
  }

  /**
   * Opens a PRODUCER span per message (each message carries its own span's context), then
   * sends the batch in one call; the spans end together when it is sent.
   */
  override sendMessages(
    sender: AgentId,
    messages: readonly BatchMessage[],
  ): Promise<MessageResult[]> {
    const wellFormed =
      Array.isArray(messages) && messages.every((m) => typeof m === 'object' && m !== null);
    // Malformed input goes straight through, for the inner coordinator's validation error.
    if (!wellFormed) return this.inner.sendMessages(sender, messages);
    const items: readonly BatchMessage[] = messages;
    const traced: BatchMessage[] = [];
    const open = (index: number): Promise<MessageResult[]> => {
      if (index === items.length) return this.inner.sendMessages(sender, traced);
      const { recipient } = items[index];
      return this.tracing.traceSend('send', recipient, items[index].message, (message) => {
        traced.push({ recipient, message });
        return open(index + 1);
      });
    };
    return open(0);
  }

  broadcastMessage(
    sender: AgentId,
    message: OutgoingMessage,
    recipients: AgentId[],
  ): Promise<MessageResult[]> {
    return this.tracing.traceSend('broadcast', undefined, message, (m) =>
      this.inner.broadcastMessage(sender, m, recipients),
    );
  }

  publish(sender: AgentId, message: OutgoingMessage): Promise<MessageResult[]> {
    return this.tracing.traceSend('publish', undefined, message, (m) =>
      this.inner.publish(sender, m),
    );
  }

  request(
    sender: AgentId,
    recipient: AgentId,
    message: OutgoingMessage,
    options: RequestOptions,
  ): Promise<AgentMessage> {
    const outgoing = { ...message, messageType: MessageType.REQUEST };
    return this.tracing.traceSend('request', recipient, outgoing, (m) =>
      this.inner.request(sender, recipient, m, options),
    );
  }

  async reply(
    responder: AgentId,
    request: AgentMessage,
    payload: JsonObject,
  ): Promise<MessageResult> {
    if (!request?.replyTo) {
      throw new ValidationError('request.replyTo', 'isDefined', 'the request names no replyTo');
    }
    return this.sendMessage(responder, request.replyTo, {
      messageType: MessageType.RESPONSE,
      correlationId: request.correlationId ?? request.messageId,
      payload,
      priority: request.priority ?? MessagePriority.NORMAL,
    });
  }

  subscribeToMessages(agentId: AgentId, types: MessageType[]): Promise<MessageSubscription> {
    return this.inner.subscribeToMessages(agentId, types);
  }

  unsubscribe(subscriptionId: string): Promise<boolean> {
    return this.inner.unsubscribe(subscriptionId);
  }

  receive(
    agentId: AgentId,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<ReceivedMessage | null> {
    return this.inner.receive(agentId, visibilityTimeoutMs, options);
  }

  ack(agentId: AgentId, token: string): Promise<boolean> {
    return this.inner.ack(agentId, token);
  }

  override ackAndReceive(
    agentId: AgentId,
    token: string,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<AckAndReceiveResult> {
    return this.inner.ackAndReceive(agentId, token, visibilityTimeoutMs, options);
  }

  override receiveMany(
    agentId: AgentId,
    maxMessages: number,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<ReceivedMessage[]> {
    return this.inner.receiveMany(agentId, maxMessages, visibilityTimeoutMs, options);
  }

  override ackAndReceiveMany(
    agentId: AgentId,
    tokens: readonly string[],
    maxMessages: number,
    visibilityTimeoutMs?: number,
    options?: ReceiveOptions,
  ): Promise<AckAndReceiveManyResult> {
    return this.inner.ackAndReceiveMany(agentId, tokens, maxMessages, visibilityTimeoutMs, options);
  }

  override release(agentId: AgentId, tokens: readonly string[]): Promise<number> {
    return this.inner.release(agentId, tokens);
  }

  nack(
    agentId: AgentId,
    token: string,
    failure?: FailureType | `${FailureType}`,
    error?: string,
  ): Promise<NackOutcome> {
    return this.inner.nack(agentId, token, failure, error);
  }

  extend(agentId: AgentId, token: string, visibilityTimeoutMs: number): Promise<boolean> {
    return this.inner.extend(agentId, token, visibilityTimeoutMs);
  }

  recoverPending(agentId?: AgentId): Promise<number> {
    return this.inner.recoverPending(agentId);
  }

  configure(limits: Partial<CoordinatorLimits>): void {
    this.inner.configure(limits);
  }

  deadLetters(agentId: AgentId, options?: PageOptions): Promise<QueueMessage[]> {
    return this.inner.deadLetters(agentId, options);
  }

  replayDeadLetters(agentId: AgentId, messageIds?: string[]): Promise<number> {
    return this.inner.replayDeadLetters(agentId, messageIds);
  }

  purgeDeadLetters(agentId: AgentId): Promise<number> {
    return this.inner.purgeDeadLetters(agentId);
  }

  stats(agentId: AgentId): Promise<QueueStats> {
    return this.inner.stats(agentId);
  }

  listQueues(): Promise<AgentId[]> {
    return this.inner.listQueues();
  }

  /** Closes the wrapped coordinator. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
