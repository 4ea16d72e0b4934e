import { describeValue } from '../common/validate';
import {
  ErrorCode,
  isAgentCoordinationError,
  isPermanentMessageError,
  type ErrorCode as ErrorCodeValue,
} from '../errors';
import { FailureType } from '../messaging/models/message.enums';
import type { ErrorClassifier } from './agent-worker.options';

/** How a worker treats one failure of a handler. */
export interface HandlerFailure {
  /** Retry (`transient`, `timeout`) or dead-letter at once (`permanent`). */
  failure: FailureType;
  /** The code an error RESPONSE carries when the failure is final. */
  code: ErrorCodeValue;
  /** `Name: message` of the error, recorded as the message's `lastError`. */
  reason: string;
  /** The error itself, when it is one: its stack goes into the log line. */
  cause?: Error;
}

/**
 * The default rules: `PermanentMessageError` and invalid input of this package can never
 * succeed on retry and dead-letter; anything else retries.
 */
export function defaultFailureOf(error: unknown): FailureType {
  if (isPermanentMessageError(error)) return FailureType.PERMANENT;
  if (
    isAgentCoordinationError(error) &&
    (error.code === ErrorCode.VALIDATION_FAILED || error.code === ErrorCode.PAYLOAD_TOO_LARGE)
  ) {
    return FailureType.PERMANENT;
  }
  return FailureType.TRANSIENT;
}

/**
 * `Name: message` of an error, or the value as text; a value `String()` cannot convert (a
 * handler may throw `Object.create(null)`, or an object whose `toString` throws) is described
 * without converting it.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return describeValue(error);
  }
}

/**
 * Classifies a handler's error: the worker's classifier first, the default rules for
 * whatever it leaves out.
 */
export function classifyFailure(error: unknown, classifier: ErrorClassifier): HandlerFailure {
  const custom = classifier(error);
  // Enum members and their string values are the same strings.
  const failure = (custom?.failure ?? defaultFailureOf(error)) as FailureType;
  const code =
    custom?.code ?? (isAgentCoordinationError(error) ? error.code : ErrorCode.HANDLER_FAILED);
  const reason = custom?.reason ?? describeError(error);
  return error instanceof Error
    ? { failure, code, reason, cause: error }
    : { failure, code, reason };
}
