import { AgentCoordinationError, ErrorCode, isAgentCoordinationError } from './coordination.error';

/**
 * Which limit of a quota refused a request.
 *
 * @beta
 */
export type QuotaLimitReason = 'requests' | 'tokens' | 'concurrency' | 'penalty' | 'queue';

/**
 * A quota could not admit a request within its `waitMs`. Retryable: `retryAfterMs` says when
 * trying again may succeed (an estimate on the Redis clock; 0 when unknown).
 *
 * @beta
 */
export class QuotaExceededError extends AgentCoordinationError {
  constructor(
    /** Name of the quota. */
    readonly quotaName: string,
    /** The limit that held the request back last. */
    readonly reason: QuotaLimitReason,
    /** Milliseconds until a new attempt may be admitted (0 when unknown). */
    readonly retryAfterMs: number,
  ) {
    super(
      ErrorCode.QUOTA_EXCEEDED,
      `Quota ${quotaName} cannot admit the request (${reason}); retry after ${retryAfterMs} ms`,
      true,
    );
  }
}

/**
 * A reservation would take a budget past its amount at one level of its path. Not
 * retryable: the budget does not refill by itself.
 *
 * @beta
 */
export class BudgetExceededError extends AgentCoordinationError {
  constructor(
    /** The path reserved against, e.g. `acme/conv-7/run-2`. */
    readonly path: string,
    /** The level that refused: the path itself or one of its ancestors, e.g. `acme`. */
    readonly level: string,
    /** What the level has left to reserve. */
    readonly remaining: number,
    /** The amount asked for. */
    readonly requested: number,
  ) {
    super(
      ErrorCode.BUDGET_EXCEEDED,
      `Budget ${level} has ${remaining} left; ${requested} asked for ${path}`,
      false,
    );
  }
}

/**
 * True when `error` is a {@link QuotaExceededError}, also one from another copy of the package.
 *
 * @beta
 */
export function isQuotaExceededError(error: unknown): error is QuotaExceededError {
  return isAgentCoordinationError(error) && error.code === ErrorCode.QUOTA_EXCEEDED;
}

/**
 * True when `error` is a {@link BudgetExceededError}, also one from another copy of the package.
 *
 * @beta
 */
export function isBudgetExceededError(error: unknown): error is BudgetExceededError {
  return isAgentCoordinationError(error) && error.code === ErrorCode.BUDGET_EXCEEDED;
}
