// The public runtime surface: the framework-free agent worker, its options and events, the
// handler contract and topic routing. The dispatcher, reply helpers and error classification
// internals are not exported.
export { AgentWorker } from './agent.worker';
export type { AgentWorkerCloseResult, AgentWorkerStatus } from './agent.worker';
export { DEFAULT_WORKER_TIMINGS } from './agent-worker.options';
export type {
  AgentWorkerOptions,
  ErrorClassification,
  ErrorClassifier,
  ResolvedWorkerOptions,
  WorkerInstrumentation,
  WorkerLogger,
  WorkerTimings,
} from './agent-worker.options';
export type { AgentHandlerEntry, AgentHandlerSet, AgentMessageHandler } from './message-handler';
export { DEFAULT_HANDLER_TYPES, TopicHandlerSet } from './topic-handler-set';
export type { TopicHandlerOptions } from './topic-handler-set';
export { AgentMessageContext } from './agent-message.context';
export type {
  MessageHandledEvent,
  MessageOutcome,
  MessageReceivedEvent,
} from './agent-worker.events';
