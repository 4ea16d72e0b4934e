import { AgentCoordinationError, ErrorCode, isAgentCoordinationError } from './coordination.error';

/**
 * Redis did not become ready in time at start-up (or the connection ended first). Retryable:
 * starting again once Redis is up may succeed.
 *
 * @public
 */
export class RedisConnectionError extends AgentCoordinationError {
  constructor(
    /** Where the connection goes (`host:port`, never a password). */
    readonly address: string,
    /** How long start-up waited, in milliseconds. */
    readonly timeoutMs: number,
    /** The last connection error seen, or why the wait ended. */
    cause?: Error | string,
  ) {
    const reason = cause instanceof Error ? cause.message : cause;
    super(
      ErrorCode.REDIS_UNAVAILABLE,
      `Redis at ${address} was not ready within ${timeoutMs} ms` +
        (reason === undefined ? '' : `: ${reason}`),
      true,
      { cause },
    );
  }
}

/**
 * True when `error` is a {@link RedisConnectionError}, also one from another copy of the package.
 *
 * @public
 */
export function isRedisConnectionError(error: unknown): error is RedisConnectionError {
  return isAgentCoordinationError(error) && error.code === ErrorCode.REDIS_UNAVAILABLE;
}
