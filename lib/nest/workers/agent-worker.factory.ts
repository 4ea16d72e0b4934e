import type { CoordinationLogger } from '../../common/logger';
import type { MessageCoordinator } from '../../messaging/message-coordinator';
import { AgentWorker } from '../../runtime/agent.worker';
import type { AgentHandlerSet } from '../../runtime/message-handler';
import { TopicHandlerSet } from '../../runtime/topic-handler-set';
import type { AgentTracing } from '../observability/agent-coordination.tracing';
import type { AgentDefinition } from '../discovery/agent.definition';
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
 * type and topic, Nest's logger, the Nest error rules, and the module's events and tracing as
 * hooks.
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

/** The agent's handlers as the runtime's topic routing: one implementation for both. */
function handlersOf(agent: AgentDefinition): AgentHandlerSet {
  const set = new TopicHandlerSet();
  for (const { types, options, invoke } of agent.handlers) {
    const { topic, ...settings } = options;
    if (topic === undefined) set.fallback(invoke, { ...settings, types });
    else set.on(topic, invoke, { ...settings, types });
  }
  return set;
}
