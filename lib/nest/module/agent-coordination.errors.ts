import { AgentCoordinationError, ErrorCode } from '../../errors';

/**
 * The application cannot start because of how agents are declared: a handler outside an
 * `@Agent()`, two handlers for one agent and message type, a request-scoped agent, or
 * invalid `@Agent()` / `@OnAgentMessage()` options. Code `BOOTSTRAP_FAILED`.
 *
 * @public
 */
export class AgentBootstrapError extends AgentCoordinationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BOOTSTRAP_FAILED, message, false, options);
  }
}

/**
 * True when `error` is an {@link AgentBootstrapError}.
 *
 * @public
 */
export function isAgentBootstrapError(error: unknown): error is AgentBootstrapError {
  return error instanceof AgentBootstrapError;
}
