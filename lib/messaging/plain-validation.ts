import { AGENT_ID_PATTERN, DEFAULT_INSTANCE, type ResolvedAgentId } from '../common/agent-id';
import { MESSAGE_ID_PATTERN } from './models/agent-message';
import { MessagePriority, MessageType } from './models/message.enums';

/*
 * Fast paths in front of class-validator, which costs tens of microseconds per call and was
 * the largest share of the coordinator's CPU time per message. Each accepts only input the
 * DTO would accept too, and gives the same result; anything else returns `null` and goes to
 * the DTO, so errors (and every edge case) stay exactly as they were.
 */

const MESSAGE_TYPES = new Set<unknown>(Object.values(MessageType));
const PRIORITIES = new Set<unknown>([
  MessagePriority.LOW,
  MessagePriority.NORMAL,
  MessagePriority.HIGH,
]);
const MESSAGE_FIELDS = new Set([
  'messageId',
  'sender',
  'recipient',
  'messageType',
  'payload',
  'priority',
  'routing',
  'timestamp',
  'correlationId',
  'replyTo',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** `id` resolved when it is a plainly valid agent id; `null` when it needs the full validator. */
export function plainAgentId(id: unknown): ResolvedAgentId | null {
  if (!isPlainObject(id)) return null;
  const { type, instance } = id;
  if (typeof type !== 'string' || !AGENT_ID_PATTERN.test(type)) return null;
  if (instance !== undefined && (typeof instance !== 'string' || !AGENT_ID_PATTERN.test(instance)))
    return null;
  for (const key in id) if (key !== 'type' && key !== 'instance') return null;
  return { type, instance: instance ?? DEFAULT_INSTANCE };
}

/**
 * Whether an outgoing message is plainly valid for `AgentMessageDto` once it gets `messageId`
 * (given or generated), the validated sender and recipient and a generated timestamp: known
 * fields only, no routing, `expiresAt` or `timestamp` of the caller's (these need the full
 * validator, the timestamps for their ISO-8601 checks). `false`
 * means: ask the full validator.
 */
export function plainMessage(
  message: Record<string, unknown>,
  messageId: unknown,
): messageId is string {
  if (
    message.timestamp !== undefined ||
    message.routing !== undefined ||
    message.expiresAt !== undefined
  )
    return false;
  for (const key in message) if (!MESSAGE_FIELDS.has(key)) return false;
  const { messageType, priority, correlationId, replyTo } = message;
  if (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId)) return false;
  if (!MESSAGE_TYPES.has(messageType)) return false;
  if (priority !== undefined && !PRIORITIES.has(priority)) return false;
  if (
    correlationId !== undefined &&
    (typeof correlationId !== 'string' || !MESSAGE_ID_PATTERN.test(correlationId))
  )
    return false;
  return replyTo === undefined || plainAgentId(replyTo) !== null;
}
