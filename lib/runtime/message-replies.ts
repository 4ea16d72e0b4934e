import { createHash } from 'node:crypto';
import { MESSAGE_ID_PATTERN, type JsonObject } from '../messaging/models/agent-message';

/**
 * The RESPONSE payload for a handler's return value: a plain object as it is, nothing as
 * `{}`, anything else wrapped as `{ result: value }`.
 */
export function toPayload(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  return { result: value };
}

/** The id of the RESPONSE to a request: stable, so a retried handler sends one answer only. */
export function replyIdOf(messageId: string): string {
  const id = `reply.${messageId}`;
  return MESSAGE_ID_PATTERN.test(id)
    ? id
    : `reply.${createHash('sha256').update(messageId).digest('hex')}`;
}
