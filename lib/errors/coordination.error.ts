/**
 * Stable string codes carried by every error this package throws.
 * Codes never change meaning between releases; match on them, not on messages.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INVALID_CONFIG: 'INVALID_CONFIG',
  REDIS_ERROR: 'REDIS_ERROR',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  UNEXPECTED_SCRIPT_RESULT: 'UNEXPECTED_SCRIPT_RESULT',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  PERMANENT_MESSAGE: 'PERMANENT_MESSAGE',
  ABORTED: 'ABORTED',
  CLOSED: 'CLOSED',
  BOOTSTRAP_FAILED: 'BOOTSTRAP_FAILED',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const MARKER = Symbol.for('tta-agent-coordination.error');

/**
 * Base class of every error thrown by the package.
 *
 * `code` is stable; `retryable` says whether repeating the same call later may succeed.
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

/** True when `error` is any error thrown by this package. */
export function isAgentCoordinationError(error: unknown): error is AgentCoordinationError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[MARKER] === true
  );
}
