import { AgentCoordinationError, ErrorCode } from './coordination.error';

/**
 * Input that breaks a documented rule. Thrown before anything touches Redis.
 *
 * @public
 */
export class ValidationError extends AgentCoordinationError {
  constructor(
    /** Dotted path of the offending field, e.g. `message.sender.type`. */
    readonly field: string,
    /** The rule that failed, e.g. `matches`, `maxLength`, `isEnum`. */
    readonly rule: string,
    detail: string,
    code: ErrorCode = ErrorCode.VALIDATION_FAILED,
  ) {
    super(code, `Invalid ${field}: ${detail} (rule: ${rule})`, false);
  }
}

/**
 * A payload larger than `maxPayloadBytes` once serialised.
 *
 * @public
 */
export class PayloadTooLargeError extends ValidationError {
  constructor(
    field: string,
    /** Size of the serialised payload, in bytes. */
    readonly size: number,
    /** The largest size allowed, in bytes. */
    readonly limit: number,
  ) {
    super(
      field,
      'maxPayloadBytes',
      `${size} bytes exceeds the limit of ${limit}`,
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
  }
}

/**
 * Options or configuration that cannot work, e.g. a breaker whose thresholds contradict.
 *
 * @public
 */
export class ConfigurationError extends ValidationError {
  constructor(field: string, rule: string, detail: string) {
    super(field, rule, detail, ErrorCode.INVALID_CONFIG);
  }
}

/**
 * True when `error` is a {@link ValidationError} (including its subclasses).
 *
 * @public
 */
export function isValidationError(error: unknown): error is ValidationError {
  return error instanceof ValidationError;
}
