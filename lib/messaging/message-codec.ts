import { isoTime } from '../common/iso-time';
import {
  DEFAULT_INSTANCE,
  formatAgentId,
  parseAgentId,
  type AgentId,
  type ResolvedAgentId,
} from '../common/agent-id';
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

/** The largest time a `Date` can hold, in ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

/** A stored body that cannot be read back; the message is dead-lettered with this reason. */
export class MalformedBodyError extends Error {}

/**
 * The sender as stored: `type` when its instance is the default one, else `type/instance`.
 * Agent types cannot contain `/`, so the short form is unambiguous.
 */
function compactAgentId(id: AgentId): string {
  const instance = id.instance ?? DEFAULT_INSTANCE;
  return instance === DEFAULT_INSTANCE ? id.type : `${id.type}/${instance}`;
}

/**
 * Encodes a validated message as the compact body kept once per recipient:
 * `[1, sender, type, payload, timestampMs, correlationId, replyTo, routing, expiresAtMs]`, trailing empty
 * fields left out. The id is the key the body is stored under, the priority sits in the
 * stored header and the recipient is the queue holding it, so none of them is repeated.
 *
 * @param timestampMs the sender's own timestamp; `null` when it gave none, and the message
 *   then carries the server's enqueue time as its timestamp
 */
export function encodeBody(
  message: AgentMessage,
  payloadJson: string,
  timestampMs: number | null,
): string {
  const routing = message.routing;
  const hasRouting =
    routing !== undefined && (routing.topic !== undefined || routing.tags.length > 0);
  const tail: unknown[] = [
    timestampMs,
    message.correlationId ?? null,
    message.replyTo ? formatAgentId(message.replyTo) : null,
    hasRouting ? routing : null,
    message.expiresAt === undefined ? null : Date.parse(message.expiresAt),
  ];
  while (tail.length > 0 && tail[tail.length - 1] === null) tail.pop();
  const head = `[${BODY_FORMAT_VERSION},${JSON.stringify(compactAgentId(message.sender))},${JSON.stringify(message.messageType)},${payloadJson}`;
  return tail.length === 0 ? `${head}]` : `${head},${JSON.stringify(tail).slice(1)}`;
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

function readSender(text: unknown): ResolvedAgentId {
  if (typeof text === 'string' && !text.includes('/'))
    return readAgent(`${text}/${DEFAULT_INSTANCE}`, 'sender');
  return readAgent(text, 'sender');
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
 * @param messageId the id the value is stored under
 * @throws MalformedBodyError when anything in it is not as {@link encodeBody} writes it
 */
export function decodeStored(
  stored: string,
  messageId: string,
  recipient: AgentId,
  attempts: number,
  lastError?: string,
): QueueMessage {
  const header = /^(\d+):(\d):/.exec(stored) ?? fail('missing enqueuedAt:priority header');
  if (!MESSAGE_ID_PATTERN.test(messageId)) fail('messageId is malformed');
  const priority = Number(header[2]);
  if (!PRIORITIES.has(priority)) fail('priority is unknown');
  let body: unknown;
  try {
    body = JSON.parse(stored.slice(header[0].length));
  } catch (error) {
    fail(`body is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(body) || body[0] !== BODY_FORMAT_VERSION)
    fail('body is not a version 1 array');
  const [, sender, type, payload, timestampMs, correlationId, replyTo, routing, expiresAtMs] =
    body as unknown[];
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) fail('messageType is unknown');
  if (!isObject(payload)) fail('payload is not an object');
  const enqueuedAt = Number(header[1]);
  if (enqueuedAt > MAX_DATE_MS) fail('enqueuedAt is out of range');
  const sentAt = timestampMs ?? enqueuedAt;
  if (typeof sentAt !== 'number' || !(Math.abs(sentAt) <= MAX_DATE_MS))
    fail('timestamp is malformed');
  const enqueuedIso = isoTime(enqueuedAt);
  const message: AgentMessage = {
    messageId,
    sender: readSender(sender),
    recipient: { type: recipient.type, instance: recipient.instance ?? DEFAULT_INSTANCE },
    messageType: type as MessageType,
    payload,
    priority,
    routing: readRouting(routing),
    // Most messages carry no timestamp of their own: theirs is the enqueue time.
    timestamp: sentAt === enqueuedAt ? enqueuedIso : isoTime(sentAt),
  };
  if (correlationId !== undefined && correlationId !== null) {
    if (typeof correlationId !== 'string') fail('correlationId is malformed');
    message.correlationId = correlationId;
  }
  if (replyTo !== undefined && replyTo !== null) message.replyTo = readAgent(replyTo, 'replyTo');
  if (expiresAtMs !== undefined && expiresAtMs !== null) {
    if (typeof expiresAtMs !== 'number' || !(Math.abs(expiresAtMs) <= MAX_DATE_MS))
      fail('expiresAt is malformed');
    message.expiresAt = isoTime(expiresAtMs);
  }
  const queueMessage: QueueMessage = {
    message,
    priority,
    enqueuedAt: enqueuedIso,
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
    return decodeStored(stored, id, agent, attempts, lastError);
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
