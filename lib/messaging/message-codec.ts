import { formatAgentId, parseAgentId, type AgentId, type ResolvedAgentId } from './models/agent-id';
import {
  MESSAGE_ID_PATTERN,
  type AgentMessage,
  type JsonObject,
  type RoutingKey,
} from './models/agent-message';
import { MessagePriority, MessageType } from './models/message.enums';
import type { QueueMessage } from './models/queue-message';

/** Version of the stored body format (the first element of the array). */
export const BODY_FORMAT_VERSION = 1;

const MESSAGE_TYPES = new Set<string>(Object.values(MessageType));
const PRIORITIES = new Set<number>([
  MessagePriority.LOW,
  MessagePriority.NORMAL,
  MessagePriority.HIGH,
]);

/** A stored body that cannot be read back; the message is dead-lettered with this reason. */
export class MalformedBodyError extends Error {}

/**
 * Encodes a validated message as the compact body kept once per recipient:
 * `[1, id, senderType, senderInstance, type, payload, timestampMs, priority, correlationId, replyTo, routing]`,
 * trailing empty fields left out. The recipient is implied by the queue holding it.
 */
export function encodeBody(
  message: AgentMessage,
  payloadJson: string,
  timestampMs: number,
): string {
  const sender = message.sender;
  const routing = message.routing;
  const hasRouting =
    routing !== undefined && (routing.topic !== undefined || routing.tags.length > 0);
  const tail: unknown[] = [
    message.correlationId ?? null,
    message.replyTo ? formatAgentId(message.replyTo) : null,
    hasRouting ? routing : null,
  ];
  while (tail.length > 0 && tail[tail.length - 1] === null) tail.pop();
  const head = [
    BODY_FORMAT_VERSION,
    message.messageId,
    sender.type,
    sender.instance ?? 'default',
    message.messageType,
  ];
  const rest = [timestampMs, message.priority ?? MessagePriority.NORMAL, ...tail];
  return `${JSON.stringify(head).slice(0, -1)},${payloadJson},${JSON.stringify(rest).slice(1)}`;
}

function fail(reason: string): never {
  throw new MalformedBodyError(reason);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readAgent(text: unknown, field: string): ResolvedAgentId {
  const id = typeof text === 'string' ? parseAgentId(text) : null;
  return id ?? fail(`${field} is not an agent id`);
}

function readRouting(value: unknown): RoutingKey {
  if (value === undefined || value === null) return { tags: [] };
  if (
    !isObject(value) ||
    !Array.isArray(value.tags) ||
    !value.tags.every((t) => typeof t === 'string')
  ) {
    fail('routing is malformed');
  }
  const routing: RoutingKey = { tags: value.tags };
  if (typeof value.topic === 'string') routing.topic = value.topic;
  return routing;
}

/**
 * Reads a stored value (`enqueuedAt:priority:body`) back into a queue message.
 *
 * @throws MalformedBodyError when anything in it is not as {@link encodeBody} writes it
 */
export function decodeStored(
  stored: string,
  recipient: AgentId,
  attempts: number,
  lastError?: string,
): QueueMessage {
  const header = /^(\d+):(\d):/.exec(stored) ?? fail('missing enqueuedAt:priority header');
  let body: unknown;
  try {
    body = JSON.parse(stored.slice(header[0].length));
  } catch (error) {
    fail(`body is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(body) || body[0] !== BODY_FORMAT_VERSION)
    fail('body is not a version 1 array');
  const [
    ,
    id,
    senderType,
    senderInstance,
    type,
    payload,
    timestampMs,
    priority,
    correlationId,
    replyTo,
    routing,
  ] = body as unknown[];
  if (typeof id !== 'string' || !MESSAGE_ID_PATTERN.test(id)) fail('messageId is malformed');
  // Both halves must be strings: `String(null)` would pass as the instance "null".
  const sender = readAgent(
    typeof senderType === 'string' && typeof senderInstance === 'string'
      ? `${senderType}/${senderInstance}`
      : undefined,
    'sender',
  );
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) fail('messageType is unknown');
  if (!isObject(payload)) fail('payload is not an object');
  if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs))
    fail('timestamp is malformed');
  if (typeof priority !== 'number' || !PRIORITIES.has(priority)) fail('priority is unknown');
  const message: AgentMessage = {
    messageId: id,
    sender,
    recipient: { type: recipient.type, instance: recipient.instance ?? 'default' },
    messageType: type as MessageType,
    payload,
    priority: priority,
    routing: readRouting(routing),
    timestamp: new Date(timestampMs).toISOString(),
  };
  if (correlationId !== undefined && correlationId !== null) {
    if (typeof correlationId !== 'string') fail('correlationId is malformed');
    message.correlationId = correlationId;
  }
  if (replyTo !== undefined && replyTo !== null) message.replyTo = readAgent(replyTo, 'replyTo');
  const queueMessage: QueueMessage = {
    message,
    priority: message.priority!,
    enqueuedAt: new Date(Number(header[1])).toISOString(),
    deliveryAttempts: attempts,
  };
  if (lastError !== undefined) queueMessage.lastError = lastError;
  return queueMessage;
}

/** Fields of a delivery token `<sequence>:<attempts>:<messageId>`. */
export interface DeliveryToken {
  attempts: number;
  messageId: string;
}

const TOKEN_PATTERN = /^\d{1,16}:(\d{1,9}):([A-Za-z0-9_.:-]{6,128})$/;

/** Parses a delivery token; `null` when it is not one. */
export function parseToken(token: unknown): DeliveryToken | null {
  if (typeof token !== 'string') return null;
  const match = TOKEN_PATTERN.exec(token);
  return match ? { attempts: Number(match[1]), messageId: match[2] } : null;
}

const ISSUED_TOKEN_PATTERN = /^\d+:(\d+):([\s\S]+)$/;

/**
 * Splits a token the reserve script just issued, whatever its id holds. Only for dead-lettering
 * a message whose id was written by something else and is not a valid message id: such a
 * token fails {@link parseToken}, so no caller could ever ack or nack it.
 */
export function splitIssuedToken(token: string): DeliveryToken | null {
  const match = ISSUED_TOKEN_PATTERN.exec(token);
  return match ? { attempts: Number(match[1]), messageId: match[2] } : null;
}

/**
 * Reads a dead letter; an unreadable one is still returned, with its raw text as the payload
 * and the parse error as `lastError`, so operators can see it.
 */
export function decodeDeadLetter(
  agent: ResolvedAgentId,
  id: string,
  stored: string | null,
  attempts: number,
  lastError: string | undefined,
): QueueMessage {
  try {
    if (stored === null) throw new MalformedBodyError('body is missing');
    return decodeStored(stored, agent, attempts, lastError);
  } catch (error) {
    // Keep an unreadable dead letter inspectable rather than hiding it.
    return {
      message: {
        messageId: id,
        sender: { type: 'unknown', instance: 'unknown' },
        recipient: agent,
        messageType: MessageType.EVENT,
        payload: { malformed: stored },
        routing: { tags: [] },
      },
      priority: MessagePriority.NORMAL,
      enqueuedAt: new Date(0).toISOString(),
      deliveryAttempts: attempts,
      lastError: lastError ?? (error as Error).message,
    };
  }
}
