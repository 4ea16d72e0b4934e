import type { AgentId } from '../../common/agent-id';
import type { AgentMessage } from './agent-message';
import type { MessagePriority, MessageType } from './message.enums';

/**
 * Outcome of sending one message to one recipient.
 *
 * @public
 */
export interface MessageResult {
  /** Id of the message sent. */
  messageId: string;
  /** Whether the message entered the recipient's queue. */
  delivered: boolean;
  /** Why it was not delivered, e.g. `queue full`. */
  error?: string;
  /** The same messageId was sent to this recipient within the de-duplication window. */
  duplicate?: boolean;
}

/**
 * A recorded subscription of an agent to message types.
 *
 * @public
 */
export interface MessageSubscription {
  /** Random UUID; pass it to `unsubscribe`. */
  subscriptionId: string;
  /** The subscribed agent. */
  agentId: AgentId;
  /** The message types it receives from `publish`, without duplicates. */
  messageTypes: MessageType[];
}

/**
 * A message as kept in a recipient's queue.
 *
 * @public
 */
export interface QueueMessage {
  /** The message as sent. */
  message: AgentMessage;
  /** The priority it was queued with. */
  priority: MessagePriority;
  /** When the message entered the queue, ISO-8601, on the Redis clock. */
  enqueuedAt: string;
  /** Failed deliveries so far (nacks and expired reservations). */
  deliveryAttempts: number;
  /**
   * Why the previous delivery failed (the nack's error, `visibility timeout expired`, or for a
   * dead letter the reason it was dead-lettered); absent on a first delivery.
   */
  lastError?: string;
}

/**
 * One delivery handed to a receiver.
 *
 * @public
 */
export interface ReceivedMessage {
  /** Unique per delivery; pass it to ack / nack / extend. */
  token: string;
  /** The message and its delivery history. */
  queueMessage: QueueMessage;
  /** When the reservation lapses, ISO-8601, on the Redis clock. */
  visibilityDeadline: string;
}

/**
 * Counts of one agent's queue.
 *
 * @public
 */
export interface QueueStats {
  /** Messages waiting for delivery, over every priority. */
  ready: number;
  /** Retries waiting out their backoff. */
  delayed: number;
  /** Messages handed to a receiver and not yet acknowledged, nacked or recovered. */
  reserved: number;
  /** Messages in the dead-letter queue. */
  deadLettered: number;
}
