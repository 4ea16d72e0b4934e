import { randomBytes } from 'node:crypto';
import { KeyLayout, type BudgetKeys } from '../common/key-layout';
import { loadLuaScript, runLuaScript, type LuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import {
  BudgetExceededError,
  RedisOperationError,
  UnexpectedScriptResultError,
  ValidationError,
} from '../errors';
import {
  BudgetLedger,
  type BudgetLevel,
  type BudgetReservation,
  type ReserveBudgetOptions,
} from './budget-ledger';
import {
  MAX_BUDGET_AMOUNT,
  budgetSegments,
  resolveBudgetLedgerOptions,
  type BudgetLedgerOptions,
} from './budget.options';
import { assertAmount, assertOptions } from './quota.validation';

const dir = `${__dirname}/scripts`;

/** The budget scripts. Each takes the three keys of one root (`KeyLayout.budget`). */
export const BudgetScripts = {
  setBudget: loadLuaScript(dir, 'set-budget-3.lua'),
  reserve: loadLuaScript(dir, 'reserve-budget-3.lua'),
  settle: loadLuaScript(dir, 'settle-budget-3.lua'),
  read: loadLuaScript(dir, 'read-budget-3.lua'),
} as const;

const RESERVATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * {@link BudgetLedger} on Redis: every budget under one root (the first path segment) lives
 * in three keys with the root's hash tag; every change is one script on the Redis clock.
 *
 * @beta
 */
export class RedisBudgetLedger extends BudgetLedger {
  private readonly options: BudgetLedgerOptions;
  private readonly layout: KeyLayout;
  /** Reservations this ledger has ended, so ending one twice is refused, not charged twice. */
  private readonly ended = new WeakSet<BudgetReservation>();

  /**
   * @param redis a `Redis` or `Cluster` connection the caller owns (never closed here)
   * @throws ConfigurationError for bad options
   */
  constructor(
    private readonly redis: RedisClient,
    options: Partial<BudgetLedgerOptions> = {},
  ) {
    super();
    this.options = resolveBudgetLedgerOptions(options);
    this.layout = new KeyLayout(this.options.keyPrefix);
  }

  /** {@inheritDoc BudgetLedger.setBudget} */
  async setBudget(path: string, amount: number): Promise<void> {
    const segments = budgetSegments(path);
    assertAmount(amount, 'amount', MAX_BUDGET_AMOUNT);
    await this.run('setBudget', segments, BudgetScripts.setBudget, [path, amount]);
  }

  /** {@inheritDoc BudgetLedger.reserve} */
  async reserve(
    path: string,
    amount: number,
    options?: ReserveBudgetOptions,
  ): Promise<BudgetReservation> {
    const segments = budgetSegments(path);
    assertAmount(amount, 'amount', MAX_BUDGET_AMOUNT);
    const given = assertOptions(options, 'options');
    const ttlMs = given.ttlMs ?? this.options.reservationTtlMs;
    if (assertAmount(ttlMs, 'options.ttlMs', 7 * 86_400_000) === 0) {
      throw new ValidationError('options.ttlMs', 'min', 'must be at least 1');
    }
    const id = randomBytes(12).toString('base64url');
    const raw = await this.run('reserve', segments, BudgetScripts.reserve, [
      id,
      path,
      amount,
      ttlMs,
    ]);
    if (Array.isArray(raw) && raw[0] === 1 && raw.length === 2) {
      return { id, path, amount, expiresAt: Number(raw[1]) };
    }
    if (Array.isArray(raw) && raw[0] === 2 && raw.length === 3) {
      const [, index, left] = raw as number[];
      const level = segments.slice(0, Math.max(1, index)).join('/');
      throw new BudgetExceededError(path, level, left, amount);
    }
    throw new UnexpectedScriptResultError('reserveBudget', raw);
  }

  /** {@inheritDoc BudgetLedger.settle} */
  async settle(reservation: BudgetReservation, actual: number): Promise<boolean> {
    assertAmount(actual, 'actual', MAX_BUDGET_AMOUNT);
    return this.end(reservation, actual);
  }

  /** {@inheritDoc BudgetLedger.release} */
  release(reservation: BudgetReservation): Promise<boolean> {
    return this.end(reservation, -1);
  }

  /** {@inheritDoc BudgetLedger.remaining} */
  async remaining(path: string): Promise<number> {
    const limited = (await this.inspect(path)).filter((level) => level.remaining !== null);
    return limited.length === 0 ? 0 : Math.min(...limited.map((level) => level.remaining!));
  }

  /** {@inheritDoc BudgetLedger.inspect} */
  async inspect(path: string): Promise<BudgetLevel[]> {
    const segments = budgetSegments(path);
    const raw = await this.run('inspect', segments, BudgetScripts.read, [path]);
    const levels =
      typeof raw === 'string' ? raw.split(';').map((level) => level.split(' ').map(Number)) : [];
    if (levels.length !== segments.length || levels.some((level) => level.length !== 3)) {
      throw new UnexpectedScriptResultError('readBudget', raw);
    }
    return levels.map(([budget, spent, reserved], index) => ({
      path: segments.slice(0, index + 1).join('/'),
      budget: budget < 0 ? null : budget,
      spent,
      reserved,
      remaining: budget < 0 ? null : Math.max(0, budget - spent - reserved),
    }));
  }

  private async end(reservation: BudgetReservation, actual: number): Promise<boolean> {
    const given = assertOptions(reservation, 'reservation');
    if (typeof given.id !== 'string' || !RESERVATION_ID.test(given.id)) {
      throw new ValidationError(
        'reservation.id',
        'matches',
        `must match ${String(RESERVATION_ID)}`,
      );
    }
    const segments = budgetSegments(given.path, 'reservation.path');
    if (this.ended.has(reservation)) {
      throw new ValidationError('reservation', 'once', 'was already settled or released');
    }
    this.ended.add(reservation);
    let raw: unknown;
    try {
      raw = await this.run('settle', segments, BudgetScripts.settle, [
        given.id,
        given.path!,
        actual,
      ]);
    } catch (error) {
      // Nothing was ended: the caller may try again.
      this.ended.delete(reservation);
      throw error;
    }
    if (raw !== 0 && raw !== 1) throw new UnexpectedScriptResultError('settleBudget', raw);
    return raw === 1;
  }

  private async run(
    operation: string,
    segments: string[],
    script: LuaScript,
    args: (string | number)[],
  ): Promise<unknown> {
    const keys: BudgetKeys = this.layout.budget(segments[0]);
    try {
      return await runLuaScript(this.redis, script, keys, args);
    } catch (error) {
      throw new RedisOperationError(operation, error);
    }
  }
}
