// The error hierarchy, all of it public: one base class with a stable `code`, a subclass per
// failure, and an `is…` guard for each error users are expected to catch.
export { AgentCoordinationError, ErrorCode, isAgentCoordinationError } from './coordination.error';
export {
  ConfigurationError,
  PayloadTooLargeError,
  ValidationError,
  isValidationError,
} from './validation.error';
export {
  AgentRequestError,
  ClosedError,
  OperationAbortedError,
  PermanentMessageError,
  RedisOperationError,
  RequestTimeoutError,
  UnexpectedScriptResultError,
  isAgentRequestError,
  isPermanentMessageError,
  isRedisOperationError,
  isRequestTimeoutError,
} from './runtime.errors';
export { CircuitBreakerOpenError, isCircuitBreakerOpenError } from './resilience.errors';
export { HandlerTimeoutError, ReservationLostError } from './handler.errors';
export { RedisConnectionError, isRedisConnectionError } from './connection.errors';
export {
  BudgetExceededError,
  QuotaExceededError,
  isBudgetExceededError,
  isQuotaExceededError,
} from './quota.errors';
export type { QuotaLimitReason } from './quota.errors';
