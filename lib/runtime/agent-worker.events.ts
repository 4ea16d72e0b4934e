import type { ResolvedAgentId } from '../common/agent-id';
import type { MessageType } from '../messaging/models/message.enums';

/**
 * How a worker settled one delivery:
 * - `acked`: the handler returned (and a REQUEST was answered);
 * - `retried`: it failed and was scheduled for another delivery after backoff;
 * - `dead-lettered`: it failed permanently, ran out of retries, expired, or had no handler;
 * - `unsettled`: left reserved for recovery (reservation lost, Redis failure, or shutdown).
 *
 * @public
 */
export type MessageOutcome = 'acked' | 'retried' | 'dead-lettered' | 'unsettled';

/**
 * A delivery that reached an agent's worker.
 *
 * @public
 */
export interface MessageReceivedEvent {
  /** The agent whose worker received the delivery. */
  agentId: ResolvedAgentId;
  /** Id of the delivered message. */
  messageId: string;
  /** Its type. */
  messageType: MessageType;
  /** 1 on the first delivery. */
  attempt: number;
  /** The message's correlation id; absent when it carries none. */
  correlationId?: string;
}

/**
 * A delivery the worker finished with.
 *
 * @public
 */
export interface MessageHandledEvent extends MessageReceivedEvent {
  /** How the delivery was settled. */
  outcome: MessageOutcome;
  /** Whether a handler ran (false when none exists for the message, or it had expired). */
  handled: boolean;
  /** Whether the handler threw (or timed out). */
  failed: boolean;
  /** Time from receipt to settlement, ms. */
  durationMs: number;
  /** The failure recorded with a nack, or why the delivery was left unsettled. */
  error?: string;
}
