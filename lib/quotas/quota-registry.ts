import type { QuotaLimits } from './quota.options';

/**
 * Options of {@link QuotaRegistry.acquire}.
 *
 * @beta
 */
export interface AcquireQuotaOptions {
  /** Tokens the request is expected to use, charged now and corrected by `settle`. Default 0. */
  tokens?: number;
  /** Longest to wait in line for the quota before failing with `QuotaExceededError`. Default 0. */
  waitMs?: number;
  /** Stops waiting; the call then fails with `OperationAbortedError`. */
  signal?: AbortSignal;
  /** How long the lease holds its concurrency slot unless settled first. Default: the registry's. */
  leaseTtlMs?: number;
}

/**
 * What {@link QuotaLease.settle} did.
 *
 * @beta
 */
export interface QuotaSettlement {
  /** The lease still held its concurrency slot and gave it back (false once its TTL passed). */
  released: boolean;
  /** The charge was corrected (false once the admission has left the window). */
  charged: boolean;
  /** When it was settled: epoch ms on the Redis clock (0 for a second call). */
  settledAt: number;
}

/**
 * Permission to make one request, got from {@link QuotaRegistry.acquire}. Settle it once.
 *
 * @beta
 */
export interface QuotaLease {
  /** The quota it was taken from. */
  readonly quotaName: string;
  /** Unique id of the lease. */
  readonly leaseId: string;
  /** Tokens charged at admission (the estimate). */
  readonly tokens: number;
  /** When it was admitted: epoch ms on the Redis clock. */
  readonly admittedAt: number;
  /** When its concurrency slot comes back if it is not settled: epoch ms on the Redis clock. */
  readonly expiresAt: number;
  /**
   * Charges the tokens actually used (default: the estimate) in place of the estimate, and
   * gives the concurrency slot back. A second call does nothing.
   *
   * @throws ValidationError for a bad amount; RedisOperationError when Redis fails
   */
  settle(usage?: { tokens?: number }): Promise<QuotaSettlement>;
}

/**
 * A quota's live usage, as {@link QuotaRegistry.usage} reads it.
 *
 * @beta
 */
export interface QuotaUsage {
  /** Requests admitted in the current window. */
  requests: number;
  /** Tokens charged in the current window. */
  tokens: number;
  /** Leases holding a concurrency slot. */
  holders: number;
  /** Processes waiting in line. */
  waiting: number;
  /** Milliseconds of penalty left (0 when none). */
  penaltyMs: number;
}

/**
 * Shared limits on a provider key (requests and tokens per sliding minute, concurrent calls),
 * held across every process on the same Redis and key prefix. Injectable token in Nest;
 * {@link RedisQuotaRegistry} is the implementation. Quota names are 1–128 characters of
 * `[A-Za-z0-9_.:-]`.
 *
 * @beta
 */
export abstract class QuotaRegistry {
  /**
   * Declares a quota's limits in this process. Every process using the quota should declare
   * the same limits; defining a name again replaces them.
   *
   * @throws ValidationError for a bad name or limits
   */
  abstract define(name: string, limits: QuotaLimits): void;

  /**
   * Takes a lease on the quota, waiting in line up to `waitMs`; waiters of every process are
   * served roughly in arrival order.
   *
   * @throws QuotaExceededError when none could be had in time; ValidationError for bad input
   *   or an undefined quota; OperationAbortedError; RedisOperationError; ClosedError
   */
  abstract acquire(name: string, options?: AcquireQuotaOptions): Promise<QuotaLease>;

  /**
   * Holds the quota back in every process for `retryAfterMs` (a provider's 429 with
   * Retry-After); a longer penalty already running stays. Resolves to when the quota admits
   * again: epoch ms on the Redis clock.
   *
   * @throws ValidationError for bad input; RedisOperationError
   */
  abstract penalise(name: string, retryAfterMs: number): Promise<number>;

  /**
   * The quota's live usage across all processes.
   *
   * @throws ValidationError for bad input; RedisOperationError
   */
  abstract usage(name: string): Promise<QuotaUsage>;

  /** Fails every waiter of this registry with `ClosedError` and stops listening. */
  abstract close(): Promise<void>;
}
