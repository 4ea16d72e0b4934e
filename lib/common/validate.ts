import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ConfigurationError, PayloadTooLargeError, ValidationError } from '../errors';

/**
 * The first failure under `error`, depth first. class-validator strips errors that have neither
 * constraints nor children, so an error without constraints always has a failing child.
 */
function firstFailure(
  error: ClassValidationError,
  path: string,
): { field: string; rule: string; detail: string } {
  const field = `${path}.${error.property}`;
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length > 0) {
    const [rule, detail] = constraints[0];
    return { field, rule, detail };
  }
  return firstFailure((error.children as ClassValidationError[])[0], field);
}

/**
 * Validates `input` against a class-validator DTO and returns the typed instance.
 * Unknown properties are refused so that typos surface instead of being ignored.
 *
 * @throws ValidationError naming the first offending field and rule
 */
export function validateDto<T extends object>(
  dto: ClassConstructor<T>,
  input: unknown,
  label: string,
): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(label, 'isObject', 'must be an object');
  }
  const instance = plainToInstance(dto, input);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const failure = firstFailure(errors[0], label);
    const detail = failure.detail.replace(/^[^ ]+ /, '');
    throw new ValidationError(failure.field, failure.rule, detail);
  }
  return instance;
}

/** Limits applied to message payloads. */
export interface PayloadLimits {
  /** Largest serialised payload in bytes. */
  maxPayloadBytes: number;
  /** Deepest nesting of objects and arrays. */
  maxPayloadDepth: number;
}

const FORBIDDEN_KEY = '__proto__';

function checkShape(value: unknown, field: string, depth: number, maxDepth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > maxDepth) {
    throw new ValidationError(field, 'maxPayloadDepth', `nesting deeper than ${maxDepth}`);
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkShape(item, `${field}[${index}]`, depth + 1, maxDepth));
    return;
  }
  for (const key of Object.keys(value)) {
    if (key === FORBIDDEN_KEY) {
      throw new ValidationError(
        `${field}.${key}`,
        'noPrototypeKeys',
        'the key __proto__ is not allowed',
      );
    }
    checkShape((value as Record<string, unknown>)[key], `${field}.${key}`, depth + 1, maxDepth);
  }
}

/**
 * Checks that a payload is a plain JSON object within the limits and returns its JSON text.
 *
 * @throws ValidationError or PayloadTooLargeError naming the field
 */
export function serialisePayload(payload: unknown, field: string, limits: PayloadLimits): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError(field, 'isObject', 'must be a JSON object');
  }
  checkShape(payload, field, 1, limits.maxPayloadDepth);
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new ValidationError(field, 'isJson', `cannot be serialised: ${(error as Error).message}`);
  }
  const size = Buffer.byteLength(json, 'utf8');
  if (size > limits.maxPayloadBytes)
    throw new PayloadTooLargeError(field, size, limits.maxPayloadBytes);
  return json;
}

/**
 * Checks an integer option.
 *
 * @throws ConfigurationError naming the option
 */
export function assertInteger(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigurationError(field, 'isInt', `must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) {
    throw new ConfigurationError(field, 'range', `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/**
 * Checks a finite number option.
 *
 * @throws ConfigurationError naming the option
 */
export function assertNumber(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_VALUE,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigurationError(
      field,
      'isNumber',
      `must be a finite number, got ${String(value)}`,
    );
  }
  if (value < min || value > max) {
    throw new ConfigurationError(field, 'range', `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Key prefixes: 1–64 characters of `[A-Za-z0-9_.:-]`, so no prefix can reach into another's keys. */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Checks a key prefix.
 *
 * @throws ConfigurationError for a prefix outside {@link KEY_PREFIX_PATTERN}
 */
export function assertKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !KEY_PREFIX_PATTERN.test(prefix)) {
    throw new ConfigurationError(
      'keyPrefix',
      'matches',
      `must match ${String(KEY_PREFIX_PATTERN)}`,
    );
  }
  return prefix;
}
