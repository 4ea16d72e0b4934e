import { ValidationError } from '../errors';

/** Quota names and budget path segments: 1–128 characters of `[A-Za-z0-9_.:-]`. */
export const QUOTA_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Checks a name built into keys (a quota name, a budget path segment): nothing in it can
 * close a hash tag or reach another key.
 *
 * @throws ValidationError naming the field
 */
export function assertName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !QUOTA_NAME_PATTERN.test(value)) {
    throw new ValidationError(field, 'matches', `must match ${String(QUOTA_NAME_PATTERN)}`);
  }
  return value;
}

/**
 * Checks an amount: a whole, non-negative number no larger than `max` (a safe integer).
 *
 * @throws ValidationError naming the field and the rule
 */
export function assertAmount(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError(
      field,
      'isSafeInteger',
      `must be a safe integer, got ${String(value)}`,
    );
  }
  if (value < 0 || value > max) {
    throw new ValidationError(field, 'range', `must be between 0 and ${max}, got ${value}`);
  }
  return value;
}

/**
 * Checks an options object, when given: a plain object or undefined.
 *
 * @throws ValidationError when it is something else
 */
export function assertOptions<T extends object>(value: T | undefined, field: string): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'isObject', 'must be an object');
  }
  return value;
}
