import type { AgentId } from '../common/agent-id';
import { AgentCoordinationError, ErrorCode } from './coordination.error';

/**
 * Redis could not be reached or answered with an error. Usually worth retrying.
 *
 * @public
 */
export class RedisOperationError extends AgentCoordinationError {
  constructor(
    /** What the package was doing, e.g. `receive`. */
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      ErrorCode.REDIS_ERROR,
      `Redis failed during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
      true,
      { cause },
    );
  }
}

/**
 * A Lua script answered with a code this client does not know: client and keys disagree.
 *
 * @public
 */
export class UnexpectedScriptResultError extends AgentCoordinationError {
  constructor(
    /** Name of the script that answered. */
    readonly script: string,
    /** What it answered. */
    readonly result: unknown,
  ) {
    super(
      ErrorCode.UNEXPECTED_SCRIPT_RESULT,
      `Script ${script} returned ${JSON.stringify(result)}`,
    );
  }
}

/**
 * `request()` got no RESPONSE within its timeout.
 *
 * @public
 */
export class RequestTimeoutError extends AgentCoordinationError {
  constructor(
    /** Correlation id of the request that got no RESPONSE. */
    readonly correlationId: string,
    /** The timeout that passed, in milliseconds. */
    readonly timeoutMs: number,
    /** Message id of the REQUEST sent, when known: find it in the responder's queue or logs. */
    readonly messageId?: string,
  ) {
    super(
      ErrorCode.REQUEST_TIMEOUT,
      messageId === undefined
        ? `No response to request ${correlationId} within ${timeoutMs} ms`
        : `No response to request message ${messageId} (correlation ${correlationId}) within ${timeoutMs} ms`,
      true,
    );
  }
}

/**
 * The responder of a `request()` failed it for good (a permanent or validation error,
 * retries exhausted, the request expired, or no handler took it) and answered with an error
 * RESPONSE instead of a result. `code` is the responder's code, e.g. `VALIDATION_FAILED`,
 * `NO_HANDLER`, `MESSAGE_EXPIRED` or `HANDLER_FAILED`; `message` is its error message.
 *
 * @public
 */
export class AgentRequestError extends AgentCoordinationError {
  constructor(
    /** The responder's error code (see {@link ErrorCode}). */
    code: ErrorCode,
    message: string,
    /** The agent that failed the request. */
    readonly responder: AgentId,
    /** Message id of the REQUEST that failed. */
    readonly requestId: string,
  ) {
    super(code, message, false);
  }
}

/**
 * Thrown by a message handler to say the message can never succeed:
 * it is dead-lettered at once instead of retried.
 *
 * @public
 */
export class PermanentMessageError extends AgentCoordinationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.PERMANENT_MESSAGE, message, false, options);
  }
}

/**
 * An operation was cancelled through its `AbortSignal`.
 *
 * @public
 */
export class OperationAbortedError extends AgentCoordinationError {
  constructor(operation: string, reason?: unknown) {
    super(ErrorCode.ABORTED, `${operation} was aborted`, false, { cause: reason });
  }
}

/**
 * The component was closed and takes no more work.
 *
 * @public
 */
export class ClosedError extends AgentCoordinationError {
  constructor(component: string) {
    super(ErrorCode.CLOSED, `${component} is closed`, false);
  }
}

/**
 * True when `error` is a {@link RedisOperationError}.
 *
 * @public
 */
export function isRedisOperationError(error: unknown): error is RedisOperationError {
  return error instanceof RedisOperationError;
}

/**
 * True when `error` is a {@link RequestTimeoutError}.
 *
 * @public
 */
export function isRequestTimeoutError(error: unknown): error is RequestTimeoutError {
  return error instanceof RequestTimeoutError;
}

/**
 * True when `error` is a {@link PermanentMessageError}.
 *
 * @public
 */
export function isPermanentMessageError(error: unknown): error is PermanentMessageError {
  return error instanceof PermanentMessageError;
}

/**
 * True when `error` is an {@link AgentRequestError}: a responder failed the request.
 *
 * @public
 */
export function isAgentRequestError(error: unknown): error is AgentRequestError {
  return error instanceof AgentRequestError;
}
