export { AgentWorker, type AgentWorkerStatus, type AgentWorkerCloseResult } from './agent.worker';
export {
  DEFAULT_WORKER_TIMINGS,
  type AgentWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerTimings,
  type WorkerLogger,
  type WorkerInstrumentation,
  type ErrorClassifier,
  type ErrorClassification,
} from './agent-worker.options';
export type { AgentMessageHandler, AgentHandlerEntry, AgentHandlerSet } from './message-handler';
export {
  TopicHandlerSet,
  DEFAULT_HANDLER_TYPES,
  type TopicHandlerOptions,
} from './topic-handler-set';
export { MAX_TOPIC_PATTERN_LENGTH } from './topic-pattern';
export { AgentMessageContext } from './agent-message.context';
export type {
  MessageOutcome,
  MessageReceivedEvent,
  MessageHandledEvent,
} from './agent-worker.events';
export { toPayload, replyIdOf } from './message-replies';
