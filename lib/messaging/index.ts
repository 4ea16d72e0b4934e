export * from './models';
export * from './message-coordinator';
export * from './redis-message-coordinator';
export {
  type RedisMessageCoordinatorOptions,
  DEFAULT_COORDINATOR_LIMITS,
} from './coordinator.options';
export type {
  CoordinatorInstrumentation,
  MessageSentEvent,
  OutgoingSend,
  SendOperation,
} from './coordinator-instrumentation';
export { REPLY_INBOX_TYPE } from './reply-inbox';
export { BODY_FORMAT_VERSION } from './message-codec';
export { createMessage, type PreparedMessage } from './outgoing-message';
export { GENERATED_ID_LENGTH, newMessageId } from './message-id';
