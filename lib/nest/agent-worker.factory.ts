import type { CoordinationLogger } from '../common/logger';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import { AgentWorker } from '../runtime/agent.worker';
import type { AgentHandlerEntry, AgentHandlerSet } from '../runtime/message-handler';
import type { AgentTracing } from './agent-coordination.tracing';
import type { AgentDefinition } from './agent.definition';
import type { AgentMessageEvents } from './agent-message.events';
import { classifyNestError } from './nest-error.classifier';

/** What the module adds to each agent's worker: its events, tracing and Nest's logger. */
export interface AgentWorkerDeps {
  coordinator: MessageCoordinator;
  events: AgentMessageEvents;
  tracing: AgentTracing;
  /** The module's logger, on Nest's `Logger`. */
  logger: CoordinationLogger;
}

/**
 * The worker of one `@Agent()` provider: its `@OnAgentMessage()` handlers chosen by message
 * type, Nest's logger, the Nest error rules, and the module's events and tracing as hooks.
 */
export function createAgentWorker(agent: AgentDefinition, deps: AgentWorkerDeps): AgentWorker {
  const { events, tracing } = deps;
  return new AgentWorker(
    deps.coordinator,
    {
      agent: agent.agentId,
      ...agent.consumer,
      logger: deps.logger,
      classifyError: classifyNestError,
      instrumentation: {
        received: (event) => events.emitReceived(event),
        handled: (event) => events.emitHandled(event),
        // Without tracing, no wrapper around each handler call.
        aroundHandler: tracing.enabled
          ? (id, message, run) => tracing.traceHandler(id, message, run)
          : undefined,
      },
    },
    handlersOf(agent),
  );
}

function handlersOf(agent: AgentDefinition): AgentHandlerSet {
  const entries = new Map(
    [...agent.handlers].map(([type, handler]): [string, AgentHandlerEntry] => [
      type,
      {
        handle: handler.invoke,
        timeoutMs: handler.options.timeoutMs,
        replyWithResult: handler.options.replyWithResult,
      },
    ]),
  );
  return {
    handlerFor: (message) => entries.get(message.messageType),
    handles: [...entries.keys()].join(', ') || 'none',
  };
}
