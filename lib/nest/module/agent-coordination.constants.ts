import { resolveAgentTarget, type AgentTarget } from '../../client/agent-client.options';
import { formatAgentId } from '../../common/agent-id';

/** Metadata key under which `@Agent()` stores its options on a class. */
export const AGENT_METADATA = 'tta-agent-coordination:agent';

/** Metadata key under which `@OnAgentMessage()` stores its binding on a method. */
export const ON_AGENT_MESSAGE_METADATA = 'tta-agent-coordination:on-agent-message';

/** Metadata key of the `@AgentPayload()` / `@AgentContext()` parameter decorators. */
export const AGENT_HANDLER_ARGS_METADATA = 'tta-agent-coordination:handler-args';

/**
 * The `ExecutionContext.getType()` of a message handler run by the module. Guards and
 * interceptors can tell agent messages from HTTP requests with it.
 *
 * @public
 */
export const AGENT_MESSAGE_CONTEXT_TYPE = 'agent-message';

/**
 * Injection token of the Redis connection the module uses.
 *
 * @public
 */
export const AGENT_COORDINATION_REDIS = Symbol('AGENT_COORDINATION_REDIS');

/** Injection token of the core's logger, backed by Nest's `Logger` (one per module). */
export const AGENT_COORDINATION_LOGGER = Symbol('AGENT_COORDINATION_LOGGER');

/**
 * Injection token of the application's own identity (a `ResolvedAgentId`): the module's
 * `identity` option, `{ type: 'app', instance: 'default' }` when it names none. Agent clients
 * send as it.
 *
 * @public
 */
export const AGENT_COORDINATION_IDENTITY = Symbol('AGENT_COORDINATION_IDENTITY');

/** Injection token of the validated, defaulted module options. */
export const AGENT_COORDINATION_RESOLVED_OPTIONS = Symbol('AGENT_COORDINATION_RESOLVED_OPTIONS');

/** Injection token of the coordinator built on the connection; `MessageCoordinator` resolves to it. */
export const AGENT_COORDINATION_CORE_COORDINATOR = Symbol('AGENT_COORDINATION_CORE_COORDINATOR');

/** The routing tag prefix that carries a W3C trace context inside a message. */
export const TRACEPARENT_TAG_PREFIX = 'traceparent=';

/**
 * The injection token of the `AgentClient` toward `target` (see `@InjectAgentClient`):
 * one per agent, so `'billing'` and `{ type: 'billing' }` name the same client.
 *
 * @throws ValidationError for a target that is not a valid agent id or type
 *
 * @beta
 */
export function getAgentClientToken(target: AgentTarget): string {
  return `tta-agent-coordination:agent-client:${formatAgentId(resolveAgentTarget(target))}`;
}

/**
 * The injection token of the circuit breaker named `name` (see `@InjectCircuitBreaker`).
 *
 * @public
 */
export function getCircuitBreakerToken(name: string): string {
  return `tta-agent-coordination:circuit-breaker:${name}`;
}
