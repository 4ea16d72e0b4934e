/**
 * A hold on part of a budget, got from {@link BudgetLedger.reserve}. End it once.
 *
 * @beta
 */
export interface BudgetReservation {
  /** Unique id of the reservation. */
  readonly id: string;
  /** The path reserved against, e.g. `acme/conv-7/run-2`. */
  readonly path: string;
  /** The amount held at every level of the path. */
  readonly amount: number;
  /** When the hold lapses if not settled or released: epoch ms on the Redis clock. */
  readonly expiresAt: number;
}

/**
 * One level of a budget path, as {@link BudgetLedger.inspect} reads it.
 *
 * @beta
 */
export interface BudgetLevel {
  /** The level's own path, e.g. `acme` or `acme/conv-7`. */
  path: string;
  /** Its budget, or null when the level has none (it then does not limit). */
  budget: number | null;
  /** Settled amounts charged to it. */
  spent: number;
  /** Amounts held by live reservations. */
  reserved: number;
  /** What can still be reserved there (null when it has no budget). */
  remaining: number | null;
}

/**
 * Options of {@link BudgetLedger.reserve}.
 *
 * @beta
 */
export interface ReserveBudgetOptions {
  /** How long the hold lasts unless settled or released first. Default: the ledger's. */
  ttlMs?: number;
}

/**
 * Budgets on hierarchical paths (`tenant/conversation/run`), shared by every process on the
 * same Redis and key prefix. A reservation is checked and held at every level of its path at
 * once, so concurrent reservers never overspend any level. Injectable token in Nest;
 * {@link RedisBudgetLedger} is the implementation.
 *
 * A path has 1–8 segments joined by `/`, each 1–128 characters of `[A-Za-z0-9_.:-]`; budgets
 * and amounts are whole numbers up to 10^15 (e.g. micro-dollars or tokens).
 *
 * @beta
 */
export abstract class BudgetLedger {
  /**
   * Sets the budget of one level; what was spent there stays spent.
   *
   * @throws ValidationError for a bad path or amount; RedisOperationError
   */
  abstract setBudget(path: string, amount: number): Promise<void>;

  /**
   * Holds `amount` at every level of `path`. Fails closed: a level without enough left, or a
   * path with no budget at any level, refuses.
   *
   * @throws BudgetExceededError naming the level and what it has left; ValidationError;
   *   RedisOperationError
   */
  abstract reserve(
    path: string,
    amount: number,
    options?: ReserveBudgetOptions,
  ): Promise<BudgetReservation>;

  /**
   * Ends a reservation, charging `actual` as spent at every level (also after the hold
   * lapsed: the money was spent). Resolves to whether the hold was still live.
   *
   * @throws ValidationError for a bad or already ended reservation; RedisOperationError
   */
  abstract settle(reservation: BudgetReservation, actual: number): Promise<boolean>;

  /**
   * Ends a reservation without spending. Resolves to whether the hold was still live.
   *
   * @throws ValidationError for a bad or already ended reservation; RedisOperationError
   */
  abstract release(reservation: BudgetReservation): Promise<boolean>;

  /**
   * What can be reserved on `path` now: the least left over its levels with a budget (0
   * when none has one).
   *
   * @throws ValidationError; RedisOperationError
   */
  abstract remaining(path: string): Promise<number>;

  /**
   * Every level of `path`, root first.
   *
   * @throws ValidationError; RedisOperationError
   */
  abstract inspect(path: string): Promise<BudgetLevel[]>;
}
