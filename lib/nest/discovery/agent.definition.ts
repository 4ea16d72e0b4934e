import type { ResolvedAgentId } from '../../common/agent-id';
import type { MessageType } from '../../messaging/models/message.enums';
import type { ResolvedConsumerOptions } from '../module/agent-coordination-options.resolver';
import type { AgentOptions } from '../decorators/agent.decorator';
import type { OnAgentMessageOptions } from '../decorators/on-agent-message.decorator';
import type { AgentMessageContext } from '../../runtime/agent-message.context';

/** A bound message handler, ready to call through Nest's guards, interceptors and pipes. */
export interface AgentHandlerDefinition {
  /** Name of the method on the agent. */
  readonly methodName: string;
  /** The message types it takes, validated. */
  readonly types: readonly MessageType[];
  /** Options given to `@OnAgentMessage()`, its `topic` validated. */
  readonly options: OnAgentMessageOptions;
  /** Calls the method with `(payload, context)` through Nest's external context. */
  readonly invoke: (payload: unknown, context: AgentMessageContext) => Promise<unknown>;
}

/** One `@Agent()` provider as found at bootstrap. */
export interface AgentDefinition {
  /** Validated id of the agent. */
  readonly agentId: ResolvedAgentId;
  /** Name stored in the registry. */
  readonly name: string;
  /** The provider instance. */
  readonly instance: object;
  /** The options given to `@Agent()`. */
  readonly options: AgentOptions;
  /** This agent's consumer options (module defaults merged with its overrides). */
  readonly consumer: ResolvedConsumerOptions;
  /**
   * Its handlers in declaration order, one per `@OnAgentMessage()`; no two share a message
   * type and topic (or lack of one).
   */
  readonly handlers: readonly AgentHandlerDefinition[];
}
