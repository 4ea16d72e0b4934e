/**
 * Stable string codes carried by every error this package throws.
 * Codes never change meaning between releases; match on them, not on messages.
 *
 * @public
 */
export const ErrorCode = {
  /** Input broke a documented rule: {@link ValidationError}. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A payload was too large once serialised: {@link PayloadTooLargeError}. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Options that cannot work: {@link ConfigurationError}. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** Redis failed or could not be reached: {@link RedisOperationError}. */
  REDIS_ERROR: 'REDIS_ERROR',
  /** Redis was not ready within the start-up timeout: {@link RedisConnectionError}. */
  REDIS_UNAVAILABLE: 'REDIS_UNAVAILABLE',
  /** No RESPONSE arrived in time: {@link RequestTimeoutError}. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** A Lua script answered with an unknown code: {@link UnexpectedScriptResultError}. */
  UNEXPECTED_SCRIPT_RESULT: 'UNEXPECTED_SCRIPT_RESULT',
  /** A circuit breaker refused the call: {@link CircuitBreakerOpenError}. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** A handler said the message can never succeed: {@link PermanentMessageError}. */
  PERMANENT_MESSAGE: 'PERMANENT_MESSAGE',
  /** An operation or handler was cancelled: {@link OperationAbortedError} and others. */
  ABORTED: 'ABORTED',
  /** The component was closed: {@link ClosedError}. */
  CLOSED: 'CLOSED',
  /** The agents are declared in a way that cannot start: {@link AgentBootstrapError}. */
  BOOTSTRAP_FAILED: 'BOOTSTRAP_FAILED',
  /** A message handler failed with an error of no more specific code. */
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** The recipient has no handler for the message. */
  NO_HANDLER: 'NO_HANDLER',
  /** The message's `expiresAt` passed before a handler could take it. */
  MESSAGE_EXPIRED: 'MESSAGE_EXPIRED',
  /** A quota could not admit a request in time: {@link QuotaExceededError}. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** A reservation would overspend a budget: {@link BudgetExceededError}. */
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
} as const;

/**
 * One of the values of {@link ErrorCode}.
 *
 * @public
 */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const MARKER = Symbol.for('tta-agent-coordination.error');

/**
 * Base class of every error thrown by the package.
 *
 * `code` is stable; `retryable` says whether repeating the same call later may succeed.
 *
 * @public
 */
export class AgentCoordinationError extends Error {
  /** @internal brand that survives duplicated copies of the package */
  readonly [MARKER] = true;

  constructor(
    /** Stable machine-readable code. */
    readonly code: ErrorCode,
    message: string,
    /** Whether the same call may succeed when tried again. */
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * True when `error` is any error thrown by this package.
 *
 * @public
 */
export function isAgentCoordinationError(error: unknown): error is AgentCoordinationError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[MARKER] === true
  );
}
