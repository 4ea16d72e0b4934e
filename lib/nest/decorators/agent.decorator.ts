import { SetMetadata } from '@nestjs/common';
import type {
  AgentCapabilityInput,
  AgentCapabilitySetInput,
} from '../../registry/models/capability.models';
import { AGENT_METADATA } from '../module/agent-coordination.constants';
import type { AgentConsumerOptions } from '../module/agent-coordination.options';

/**
 * Options of {@link Agent}.
 *
 * @public
 */
export interface AgentOptions {
  /** Agent type: 1–64 characters of `[A-Za-z0-9_.-]`. */
  type: string;
  /** Agent instance; default `default`. Processes with the same id share (compete for) one queue. */
  instance?: string;
  /** Human-readable name stored in the registry; default `type/instance`. */
  name?: string;
  /** Capabilities advertised in the registry, unless the provider has `getCapabilities()`. */
  capabilities?: AgentCapabilityInput[] | AgentCapabilitySetInput;
  /** This agent's overrides of the module's `consumer` options. */
  consumer?: AgentConsumerOptions;
}

/**
 * Marks a provider as an agent: it is registered and heart-beaten while the application
 * runs, its `@OnAgentMessage()` methods receive its messages, and it is deregistered on
 * shutdown. The provider must be a singleton (not request- or transient-scoped).
 *
 * If the provider has `statusSnapshot()`, `exportState()`, `importState()` or
 * `getCapabilities()`, the registry uses them.
 *
 * @public
 */
export function Agent(options: AgentOptions): ClassDecorator {
  return SetMetadata(AGENT_METADATA, options);
}
