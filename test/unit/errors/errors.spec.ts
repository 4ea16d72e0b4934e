import {
  AgentCoordinationError,
  CircuitBreakerOpenError,
  ClosedError,
  RedisConnectionError,
  isRedisConnectionError,
  ConfigurationError,
  ErrorCode,
  OperationAbortedError,
  PayloadTooLargeError,
  PermanentMessageError,
  RedisOperationError,
  RequestTimeoutError,
  UnexpectedScriptResultError,
  ValidationError,
  isAgentCoordinationError,
  isCircuitBreakerOpenError,
  isPermanentMessageError,
  isRedisOperationError,
  isRequestTimeoutError,
  isValidationError,
} from '../../../lib/errors';

describe('error codes', () => {
  it('are stable strings equal to their names', () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(code).toBe(name);
    expect(Object.keys(ErrorCode).sort()).toEqual([
      'ABORTED',
      'BOOTSTRAP_FAILED',
      'BUDGET_EXCEEDED',
      'CIRCUIT_OPEN',
      'CLOSED',
      'HANDLER_FAILED',
      'INVALID_CONFIG',
      'MESSAGE_EXPIRED',
      'NO_HANDLER',
      'PAYLOAD_TOO_LARGE',
      'PERMANENT_MESSAGE',
      'QUOTA_EXCEEDED',
      'REDIS_ERROR',
      'REDIS_UNAVAILABLE',
      'REQUEST_TIMEOUT',
      'UNEXPECTED_SCRIPT_RESULT',
      'VALIDATION_FAILED',
    ]);
  });
});

describe('AgentCoordinationError', () => {
  it('carries code, message, cause, its class name, and is not retryable by default', () => {
    const cause = new Error('root');
    const error = new AgentCoordinationError(ErrorCode.CLOSED, 'text', undefined, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('CLOSED');
    expect(error.message).toBe('text');
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('AgentCoordinationError');
    expect(new AgentCoordinationError(ErrorCode.CLOSED, 'x', true).retryable).toBe(true);
  });

  it('is recognised by its brand, also as a copy from another package instance', () => {
    expect(isAgentCoordinationError(new ClosedError('queue'))).toBe(true);
    const foreign = { [Symbol.for('tta-agent-coordination.error')]: true };
    expect(isAgentCoordinationError(foreign)).toBe(true);
    expect(isAgentCoordinationError({ [Symbol.for('tta-agent-coordination.error')]: 1 })).toBe(
      false,
    );
    expect(isAgentCoordinationError(new Error('plain'))).toBe(false);
    expect(isAgentCoordinationError(null)).toBe(false);
    expect(isAgentCoordinationError(undefined)).toBe(false);
    expect(isAgentCoordinationError('CLOSED')).toBe(false);
  });
});

describe('ValidationError and its subclasses', () => {
  it('names field, rule and detail', () => {
    const error = new ValidationError('message.sender.type', 'matches', 'is wrong');
    expect(error.name).toBe('ValidationError');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.field).toBe('message.sender.type');
    expect(error.rule).toBe('matches');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Invalid message.sender.type: is wrong (rule: matches)');
    expect(isValidationError(error)).toBe(true);
    expect(isValidationError(new Error('x'))).toBe(false);
  });

  it('PayloadTooLargeError gives size and limit', () => {
    const error = new PayloadTooLargeError('message.payload', 2000, 1024);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.name).toBe('PayloadTooLargeError');
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.field).toBe('message.payload');
    expect(error.rule).toBe('maxPayloadBytes');
    expect(error.size).toBe(2000);
    expect(error.limit).toBe(1024);
    expect(error.message).toBe(
      'Invalid message.payload: 2000 bytes exceeds the limit of 1024 (rule: maxPayloadBytes)',
    );
    expect(isValidationError(error)).toBe(true);
  });

  it('ConfigurationError has its own code', () => {
    const error = new ConfigurationError('queueSize', 'range', 'too small');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.name).toBe('ConfigurationError');
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toBe('Invalid queueSize: too small (rule: range)');
    expect(error.retryable).toBe(false);
  });
});

describe('runtime errors', () => {
  it('RedisOperationError is retryable and names the operation and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new RedisOperationError('receive', cause);
    expect(error.code).toBe('REDIS_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.operation).toBe('receive');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Redis failed during receive: ECONNREFUSED');
    expect(new RedisOperationError('ack', 'down').message).toBe('Redis failed during ack: down');
    expect(isRedisOperationError(error)).toBe(true);
    expect(isRedisOperationError(cause)).toBe(false);
  });

  it('UnexpectedScriptResultError shows the reply as JSON', () => {
    const error = new UnexpectedScriptResultError('send', [9, 'x']);
    expect(error.code).toBe('UNEXPECTED_SCRIPT_RESULT');
    expect(error.retryable).toBe(false);
    expect(error.script).toBe('send');
    expect(error.result).toEqual([9, 'x']);
    expect(error.message).toBe('Script send returned [9,"x"]');
  });

  it('RequestTimeoutError is retryable and names the request', () => {
    const error = new RequestTimeoutError('corr-1', 250);
    expect(error.code).toBe('REQUEST_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.correlationId).toBe('corr-1');
    expect(error.timeoutMs).toBe(250);
    expect(error.message).toBe('No response to request corr-1 within 250 ms');
    expect(isRequestTimeoutError(error)).toBe(true);
    expect(isRequestTimeoutError(new Error('x'))).toBe(false);
  });

  it('PermanentMessageError is not retryable and keeps its cause', () => {
    const cause = new Error('bad input');
    const error = new PermanentMessageError('never', { cause });
    expect(error.code).toBe('PERMANENT_MESSAGE');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('never');
    expect(error.cause).toBe(cause);
    expect(isPermanentMessageError(error)).toBe(true);
    expect(isPermanentMessageError(new Error('x'))).toBe(false);
  });

  it('OperationAbortedError and ClosedError', () => {
    const aborted = new OperationAbortedError('receive', 'stop');
    expect(aborted.code).toBe('ABORTED');
    expect(aborted.retryable).toBe(false);
    expect(aborted.message).toBe('receive was aborted');
    expect(aborted.cause).toBe('stop');
    const closed = new ClosedError('coordinator');
    expect(closed.code).toBe('CLOSED');
    expect(closed.retryable).toBe(false);
    expect(closed.message).toBe('coordinator is closed');
  });
});

describe('CircuitBreakerOpenError', () => {
  it('describes an open breaker and is retryable', () => {
    const error = new CircuitBreakerOpenError('db', 'open', 1500, 'corr-1');
    expect(error.code).toBe('CIRCUIT_OPEN');
    expect(error.retryable).toBe(true);
    expect(error.breakerName).toBe('db');
    expect(error.state).toBe('open');
    expect(error.retryAfterMs).toBe(1500);
    expect(error.correlationId).toBe('corr-1');
    expect(error.message).toBe('Circuit breaker db is open');
  });

  it('describes a half-open breaker with every probe slot taken', () => {
    const error = new CircuitBreakerOpenError('db', 'half_open', 0);
    expect(error.message).toBe('Circuit breaker db is half-open and every probe slot is taken');
    expect(error.correlationId).toBeUndefined();
  });

  it('is recognised by its code', () => {
    expect(isCircuitBreakerOpenError(new CircuitBreakerOpenError('db', 'open', 0))).toBe(true);
    expect(isCircuitBreakerOpenError(new ClosedError('x'))).toBe(false);
    expect(isCircuitBreakerOpenError(new Error('x'))).toBe(false);
    expect(
      isCircuitBreakerOpenError({
        [Symbol.for('tta-agent-coordination.error')]: true,
        code: 'CIRCUIT_OPEN',
      }),
    ).toBe(true);
  });
});

describe('RedisConnectionError', () => {
  it('names the address and the wait, with the last connection error when there was one', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:7001');
    const error = new RedisConnectionError('127.0.0.1:7001', 1_000, refused);
    expect(error.message).toBe(
      'Redis at 127.0.0.1:7001 was not ready within 1000 ms: connect ECONNREFUSED 127.0.0.1:7001',
    );
    expect(error).toMatchObject({ code: ErrorCode.REDIS_UNAVAILABLE, retryable: true });
    expect(error.cause).toBe(refused);
    expect(new RedisConnectionError('h:1', 5).message).toBe(
      'Redis at h:1 was not ready within 5 ms',
    );
    expect(isRedisConnectionError(error)).toBe(true);
    expect(isRedisConnectionError(new ClosedError('x'))).toBe(false);
  });
});
