import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import { stripUndefined } from '../common/objects';
import { assertInteger, assertKeyPrefix } from '../common/validate';
import { ValidationError } from '../errors';
import { assertName } from './quota.validation';

/**
 * Options of {@link RedisBudgetLedger}.
 *
 * @beta
 */
export interface BudgetLedgerOptions {
  /** Key prefix. Default `ao`. */
  keyPrefix: string;
  /** How long a reservation holds unless settled or released. Default 600 000 ms. */
  reservationTtlMs: number;
}

/** Most levels a budget path has. */
export const MAX_BUDGET_DEPTH = 8;

/** Largest budget or amount: 10^15 (whole units, e.g. micro-dollars or tokens). */
export const MAX_BUDGET_AMOUNT = 1e15;

/**
 * Fills in defaults and checks the options.
 *
 * @throws ConfigurationError naming the option
 */
export function resolveBudgetLedgerOptions(
  options: Partial<BudgetLedgerOptions> = {},
): BudgetLedgerOptions {
  const merged: BudgetLedgerOptions = {
    keyPrefix: DEFAULT_KEY_PREFIX,
    reservationTtlMs: 600_000,
    ...stripUndefined(options),
  };
  assertKeyPrefix(merged.keyPrefix);
  assertInteger(merged.reservationTtlMs, 'reservationTtlMs', 1, 7 * 86_400_000);
  return merged;
}

/**
 * Checks a budget path: 1–8 segments joined by `/`, each a name (`[A-Za-z0-9_.:-]`, 1–128).
 * Returns its segments.
 *
 * @throws ValidationError naming the rule
 */
export function budgetSegments(path: unknown, field = 'path'): string[] {
  if (typeof path !== 'string') throw new ValidationError(field, 'isString', 'must be a string');
  const segments = path.split('/');
  if (segments.length > MAX_BUDGET_DEPTH) {
    throw new ValidationError(field, 'maxDepth', `has more than ${MAX_BUDGET_DEPTH} levels`);
  }
  segments.forEach((segment, index) => assertName(segment, `${field}[${index}]`));
  return segments;
}
