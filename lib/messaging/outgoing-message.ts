import { isoTime } from '../common/iso-time';
import { serialisePayload, validateDto, type PayloadLimits } from '../common/validate';
import { ValidationError } from '../errors';
import { encodeBody, parseToken, type DeliveryToken } from './message-codec';
import { newMessageId } from './message-id';
import type { OutgoingMessage } from './message-coordinator';
import { AgentIdDto, resolveAgentId, type AgentId, type ResolvedAgentId } from '../common/agent-id';
import { AgentMessageDto, type AgentMessage } from './models/agent-message';
import { MessagePriority } from './models/message.enums';
import { plainAgentId, plainMessage } from './plain-validation';
import { assertMessageHasNoPrototypeKeys, assertNoPrototypeKey } from './prototype-keys';

/** A validated message ready for the send script. */
export interface PreparedMessage {
  /** The validated recipient, instance filled in. */
  recipient: ResolvedAgentId;
  /** The complete message: id, timestamp and defaults filled in. */
  message: AgentMessage;
  /** The queue priority. */
  priority: MessagePriority;
  /** The stored body (see docs/PROTOCOL.md). */
  body: string;
}

/**
 * Validates an agent id and fills in its instance.
 *
 * @throws ValidationError naming `field`
 */
export function validateAgentId(id: AgentId, field: string): ResolvedAgentId {
  const plain = plainAgentId(id);
  if (plain) return plain;
  assertNoPrototypeKey(id, field);
  return resolveAgentId(validateDto(AgentIdDto, id, field));
}

/**
 * Reads a delivery token.
 *
 * @throws ValidationError when it is not one
 */
export function validateToken(token: string): DeliveryToken {
  const parsed = parseToken(token);
  if (!parsed) throw new ValidationError('token', 'matches', 'is not a delivery token');
  return parsed;
}

/**
 * Validates an outgoing message for one recipient: generates its id and timestamp when
 * absent, checks the payload against `limits`, and encodes nothing yet.
 *
 * @throws ValidationError naming the first offending field
 */
export function completeMessage(
  sender: AgentId,
  recipient: AgentId,
  message: OutgoingMessage,
  limits: PayloadLimits,
  recipientField = 'recipient',
): { message: AgentMessage; payloadJson: string; recipient: ResolvedAgentId } {
  const from = validateAgentId(sender, 'sender');
  const to = validateAgentId(recipient, recipientField);
  if (typeof message !== 'object' || message === null) {
    throw new ValidationError('message', 'isObject', 'must be an object');
  }
  assertMessageHasNoPrototypeKeys(message, 'message');
  const payloadJson = serialisePayload(message.payload, 'message.payload', limits);
  const messageId: unknown = message.messageId ?? newMessageId();
  if (plainMessage(message, messageId)) {
    // The payload travels as `payloadJson`; the message itself carries an empty one.
    const full: AgentMessage = {
      messageId,
      sender: from,
      recipient: to,
      messageType: message.messageType,
      payload: {},
      timestamp: isoTime(Date.now()),
    };
    if (message.priority !== undefined) full.priority = message.priority;
    if (message.correlationId !== undefined) full.correlationId = message.correlationId;
    if (message.replyTo !== undefined) full.replyTo = message.replyTo;
    return { message: full, payloadJson, recipient: to };
  }
  const candidate: Record<string, unknown> = {
    ...message,
    payload: {},
    messageId,
    sender: from,
    recipient: to,
    timestamp: message.timestamp ?? new Date().toISOString(),
  };
  const full = validateDto(AgentMessageDto, candidate, 'message');
  // ISO-8601 forms such as week dates pass the DTO but not `Date.parse`, which the worker uses.
  if (full.expiresAt !== undefined && !Number.isFinite(Date.parse(full.expiresAt))) {
    throw new ValidationError(
      'message.expiresAt',
      'isDateString',
      'must be an ISO-8601 timestamp that Date.parse reads',
    );
  }
  return { message: full, payloadJson, recipient: to };
}

/**
 * Validates and encodes a message for one recipient's send script.
 *
 * @throws ValidationError naming the first offending field
 */
export function prepareOutgoing(
  sender: AgentId,
  recipient: AgentId,
  message: OutgoingMessage,
  limits: PayloadLimits,
  recipientField = 'recipient',
): PreparedMessage {
  const completed = completeMessage(sender, recipient, message, limits, recipientField);
  const full = completed.message;
  return {
    recipient: completed.recipient,
    message: full,
    priority: full.priority ?? MessagePriority.NORMAL,
    // A timestamp the sender did not give is the enqueue time, which the stored header holds.
    body: encodeBody(
      full,
      completed.payloadJson,
      message.timestamp === undefined ? null : Date.parse(full.timestamp!),
    ),
  };
}

/** Default payload limits of {@link createMessage}: 1 MiB, 64 levels. */
const CREATE_LIMITS: PayloadLimits = { maxPayloadBytes: 1024 * 1024, maxPayloadDepth: 64 };

/**
 * Creates a complete, validated {@link AgentMessage} with a generated `messageId` and
 * `timestamp`, e.g. to log or inspect what will be sent.
 *
 * @throws ValidationError naming the first offending field
 *
 * @public
 */
export function createMessage(
  sender: AgentId,
  recipient: AgentId,
  message: OutgoingMessage,
  limits: PayloadLimits = CREATE_LIMITS,
): AgentMessage {
  const completed = completeMessage(sender, recipient, message, limits);
  return {
    ...completed.message,
    payload: JSON.parse(completed.payloadJson) as AgentMessage['payload'],
    priority: completed.message.priority ?? MessagePriority.NORMAL,
    routing: completed.message.routing ?? { tags: [] },
  };
}
