// The public messaging surface: the coordinator contract, its Redis implementation, their
// options and instrumentation hooks, and the message model. Key layout, scripts, the body
// codec, reply inboxes and id generation are internal.
export {
  DEFAULT_INSTANCE,
  FailureType,
  MessagePriority,
  MessageType,
  formatAgentId,
  parseAgentId,
  sameAgent,
} from './models';
export type {
  AgentId,
  AgentMessage,
  JsonObject,
  MessageResult,
  MessageSubscription,
  MessageTypeName,
  QueueMessage,
  QueueStats,
  ReceivedMessage,
  ResolvedAgentId,
  RoutingKey,
} from './models';
export { MessageCoordinator } from './message-coordinator';
export type {
  AckAndReceiveManyResult,
  AckAndReceiveResult,
  BatchMessage,
  CoordinatorLimits,
  NackOutcome,
  OutgoingMessage,
  PageOptions,
  ReceiveOptions,
  RequestOptions,
} from './message-coordinator';
export { RedisMessageCoordinator } from './redis-message-coordinator';
export { DEFAULT_COORDINATOR_LIMITS } from './coordinator.options';
export type { RedisMessageCoordinatorOptions } from './coordinator.options';
export type {
  CoordinatorInstrumentation,
  MessageSentEvent,
  OutgoingSend,
  SendOperation,
} from './coordinator-instrumentation';
export { createMessage } from './outgoing-message';
