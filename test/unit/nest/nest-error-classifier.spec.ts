import { BadRequestException, ForbiddenException, HttpException } from '@nestjs/common';
import { ErrorCode, FailureType, PermanentMessageError } from '../../../lib';
import { classifyNestError, failureOf } from '../../../lib/nest/workers/nest-error.classifier';

describe('classifyNestError', () => {
  it.each([
    [new BadRequestException('plain text'), 'BadRequestException: plain text'],
    [new BadRequestException({ message: 42 }), 'BadRequestException: Bad Request Exception'],
    [new HttpException('teapot', 418), 'HttpException: teapot'],
    [new BadRequestException(['a', 'b']), 'BadRequestException: a; b'],
  ])('describes %p with the pipe messages', (error, reason) => {
    expect(classifyNestError(error)?.reason).toBe(reason);
  });

  it('dead-letters 4xx exceptions, a 400 as a validation failure, and retries 5xx', () => {
    expect(classifyNestError(new BadRequestException(['x']))).toMatchObject({
      failure: FailureType.PERMANENT,
      code: ErrorCode.VALIDATION_FAILED,
    });
    expect(classifyNestError(new ForbiddenException())).toMatchObject({
      failure: FailureType.PERMANENT,
      code: ErrorCode.HANDLER_FAILED,
    });
    expect(classifyNestError(new HttpException('down', 503))).toMatchObject({
      failure: FailureType.TRANSIENT,
    });
    expect(classifyNestError(new Error('not nest'))).toBeUndefined();
  });

  it.each([
    [new PermanentMessageError('x'), FailureType.PERMANENT],
    [new ForbiddenException(), FailureType.PERMANENT],
    [new BadRequestException(['a']), FailureType.PERMANENT],
    [new Error('x'), FailureType.TRANSIENT],
  ])('failureOf(%p) is %s', (error, failure) => {
    expect(failureOf(error)).toBe(failure);
  });
});
