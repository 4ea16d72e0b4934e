import { HttpException } from '@nestjs/common';
import { ErrorCode } from '../../errors';
import { FailureType } from '../../messaging/models/message.enums';
import type { ErrorClassification } from '../../runtime/agent-worker.options';
import { defaultFailureOf } from '../../runtime/error-classification';

/**
 * How the Nest module's workers classify a handler's error: Nest 4xx exceptions (a guard's
 * ForbiddenException, a ValidationPipe's BadRequestException) can never succeed on retry and
 * dead-letter, with the pipe's messages as the reason; everything else follows the default
 * rules of `AgentWorker`.
 */
export function classifyNestError(error: unknown): ErrorClassification | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const status = error.getStatus();
  const client = status >= 400 && status < 500;
  return {
    failure: client ? FailureType.PERMANENT : FailureType.TRANSIENT,
    code: status === 400 || status === 422 ? ErrorCode.VALIDATION_FAILED : ErrorCode.HANDLER_FAILED,
    reason: describeHttpException(error),
  };
}

/**
 * How a handler's error is treated by the Nest module: `PermanentMessageError`, invalid input
 * of this package and Nest 4xx exceptions dead-letter; anything else retries.
 */
export function failureOf(error: unknown): FailureType {
  return (classifyNestError(error)?.failure as FailureType | undefined) ?? defaultFailureOf(error);
}

function describeHttpException(error: HttpException): string {
  const response = error.getResponse();
  const detail: unknown =
    typeof response === 'object' && response !== null
      ? (response as { message?: unknown }).message
      : undefined;
  const text = Array.isArray(detail)
    ? detail.map(String).join('; ')
    : typeof detail === 'string'
      ? detail
      : error.message;
  return `${error.name}: ${text}`;
}
