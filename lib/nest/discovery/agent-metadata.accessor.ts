import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AGENT_METADATA, ON_AGENT_MESSAGE_METADATA } from '../module/agent-coordination.constants';
import type { AgentOptions } from '../decorators/agent.decorator';
import type { OnAgentMessageMetadata } from '../decorators/on-agent-message.decorator';

/** A class, as found on a provider instance's `constructor`. */
export type AgentClass = abstract new (...args: never[]) => unknown;

/** A method, as found on a prototype. */
export type AgentMethod = (...args: never[]) => unknown;

/** The only place that reads the metadata written by `@Agent()` and `@OnAgentMessage()`. */
@Injectable()
export class AgentMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** The `@Agent()` options of a class, or `undefined` when it is not an agent. */
  getAgentOptions(target: AgentClass): AgentOptions | undefined {
    return this.reflector.get<AgentOptions | undefined>(AGENT_METADATA, target);
  }

  /** Every `@OnAgentMessage()` binding on a method, in declaration order; empty when none. */
  getMessageHandlers(method: AgentMethod): OnAgentMessageMetadata[] {
    return (
      this.reflector.get<OnAgentMessageMetadata[] | undefined>(ON_AGENT_MESSAGE_METADATA, method) ??
      []
    );
  }
}
