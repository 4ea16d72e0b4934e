import { AgentRequestError, ErrorCode } from '../errors';
import { formatAgentId, type ResolvedAgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from './models/agent-message';

/**
 * The routing tag that marks a RESPONSE as an error RESPONSE: a handler's own result may hold
 * an `error` field, so the payload alone does not decide.
 */
export const ERROR_REPLY_TAG = 'tta.error-reply';

/** The payload of an error RESPONSE (see docs/PROTOCOL.md). */
export function errorReplyPayload(
  responder: ResolvedAgentId,
  code: ErrorCode,
  message: string,
): JsonObject {
  return { error: { code, message }, responder: formatAgentId(responder) };
}

/**
 * The error an error RESPONSE carries, for the request whose message id is `requestId`;
 * `undefined` for any other RESPONSE. A marked RESPONSE whose payload lacks a readable code
 * or message still fails the request, with code `HANDLER_FAILED`.
 */
export function errorOfReply(
  response: AgentMessage,
  requestId: string,
): AgentRequestError | undefined {
  if (!response.routing?.tags.includes(ERROR_REPLY_TAG)) return undefined;
  const error = response.payload.error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : ErrorCode.HANDLER_FAILED;
  const text =
    typeof error?.message === 'string'
      ? error.message
      : `${formatAgentId(response.sender)} failed the request`;
  return new AgentRequestError(code as ErrorCode, text, response.sender, requestId);
}
