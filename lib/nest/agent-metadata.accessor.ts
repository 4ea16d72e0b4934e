import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AGENT_METADATA, ON_AGENT_MESSAGE_METADATA } from './agent-coordination.constants';
import type { AgentOptions } from './decorators/agent.decorator';
import type { OnAgentMessageMetadata } from './decorators/on-agent-message.decorator';

/** The only place that reads the metadata written by `@Agent()` and `@OnAgentMessage()`. */
@Injectable()
export class AgentMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The `@Agent()` options of a class, or `undefined` when it is not an agent. */
  getAgentOptions(target: Type | Function): AgentOptions | undefined {
    return this.reflector.get<AgentOptions | undefined>(AGENT_METADATA, target);
  }

  /** Whether the class is marked with `@Agent()`. */
  isAgent(target: Type | Function): boolean {
    return this.getAgentOptions(target) !== undefined;
  }

  /** Every `@OnAgentMessage()` binding on a method, in declaration order; empty when none. */
  getMessageHandlers(method: Function): OnAgentMessageMetadata[] {
    return (
      this.reflector.get<OnAgentMessageMetadata[] | undefined>(ON_AGENT_MESSAGE_METADATA, method) ??
      []
    );
  }
}
