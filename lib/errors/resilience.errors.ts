import { AgentCoordinationError, ErrorCode, isAgentCoordinationError } from './coordination.error';

/**
 * A circuit breaker refused a call: it is open, or half-open with every probe slot taken.
 * Retryable: the breaker admits calls again once its open timeout has passed.
 *
 * @public
 */
export class CircuitBreakerOpenError extends AgentCoordinationError {
  constructor(
    /** Name of the breaker that refused the call. */
    readonly breakerName: string,
    /** `open`, or `half_open` when every probe slot of the period is taken. */
    readonly state: 'open' | 'half_open',
    /** Milliseconds until the breaker may admit calls again (an estimate; 0 when unknown). */
    readonly retryAfterMs: number,
    /** Correlation id of the refused call, when one was given. */
    readonly correlationId?: string,
  ) {
    super(
      ErrorCode.CIRCUIT_OPEN,
      state === 'open'
        ? `Circuit breaker ${breakerName} is open`
        : `Circuit breaker ${breakerName} is half-open and every probe slot is taken`,
      true,
    );
  }
}

/**
 * True when `error` is a {@link CircuitBreakerOpenError}, also one from another copy of the package.
 *
 * @public
 */
export function isCircuitBreakerOpenError(error: unknown): error is CircuitBreakerOpenError {
  return isAgentCoordinationError(error) && error.code === ErrorCode.CIRCUIT_OPEN;
}
