// The public message model. The class-validator DTOs, id patterns and length limits behind it
// are internal: every entry validates its input and names the field and rule it broke.
export type { AgentId, ResolvedAgentId } from '../../common/agent-id';
export { DEFAULT_INSTANCE, formatAgentId, parseAgentId, sameAgent } from '../../common/agent-id';
export type { AgentMessage, JsonObject, RoutingKey } from './agent-message';
export { FailureType, MessagePriority, MessageType } from './message.enums';
export type { MessageTypeName } from './message.enums';
export type {
  MessageResult,
  MessageSubscription,
  QueueMessage,
  QueueStats,
  ReceivedMessage,
} from './queue-message';
