import { AgentCoordinationError, ErrorCode } from '../errors';

/**
 * The application cannot start because of how agents are declared: a handler outside an
 * `@Agent()`, two handlers for one agent and message type, a request-scoped agent, or
 * invalid `@Agent()` / `@OnAgentMessage()` options. Code `BOOTSTRAP_FAILED`.
 */
export class AgentBootstrapError extends AgentCoordinationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BOOTSTRAP_FAILED, message, false, options);
  }
}

/**
 * The reason a handler's signal fires when its reservation was lost (`extend` returned
 * false): the message may already be delivered to another consumer. Code `ABORTED`.
 */
export class ReservationLostError extends AgentCoordinationError {
  constructor(
    /** The message whose reservation lapsed. */
    readonly messageId: string,
  ) {
    super(ErrorCode.ABORTED, `The reservation of message ${messageId} was lost`, false);
  }
}

/**
 * A handler ran past its `@OnAgentMessage({ timeoutMs })`: its signal fires with this
 * reason and the message is nacked as a `timeout` failure (retried). Code `ABORTED`.
 */
export class HandlerTimeoutError extends AgentCoordinationError {
  constructor(
    /** The message whose handler timed out. */
    readonly messageId: string,
    /** The limit that passed. */
    readonly timeoutMs: number,
  ) {
    super(
      ErrorCode.ABORTED,
      `The handler of message ${messageId} timed out after ${timeoutMs} ms`,
      true,
    );
  }
}

/** True when `error` is an {@link AgentBootstrapError}. */
export function isAgentBootstrapError(error: unknown): error is AgentBootstrapError {
  return error instanceof AgentBootstrapError;
}
