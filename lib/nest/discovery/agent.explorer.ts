import { Inject, Injectable, Scope } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { formatAgentId, resolveAgentId, AgentIdDto } from '../../common/agent-id';
import { MessageType } from '../../messaging/models/message.enums';
import { validateDto } from '../../common/validate';
import {
  AGENT_COORDINATION_RESOLVED_OPTIONS,
  AGENT_HANDLER_ARGS_METADATA,
  AGENT_MESSAGE_CONTEXT_TYPE,
} from '../module/agent-coordination.constants';
import {
  resolveConsumerOptions,
  type ResolvedModuleOptions,
} from '../module/agent-coordination-options.resolver';
import { AgentBootstrapError } from '../module/agent-coordination.errors';
import type { AgentDefinition, AgentHandlerDefinition } from './agent.definition';
import {
  AgentMetadataAccessor,
  type AgentClass,
  type AgentMethod,
} from './agent-metadata.accessor';
import type { AgentMessageContext } from '../../runtime/agent-message.context';
import { TopicPattern } from '../../runtime/topic-pattern';
import { AgentParamsFactory } from './agent-params.factory';
import type { AgentOptions } from '../decorators/agent.decorator';
import type { OnAgentMessageMetadata } from '../decorators/on-agent-message.decorator';

const MESSAGE_TYPES = new Set<string>(Object.values(MessageType));

/**
 * Finds `@Agent()` providers and their `@OnAgentMessage()` methods through Nest's discovery
 * services. Classes are read from `instance.constructor`, so factory and value providers
 * are found too. It only finds and checks; what is done with agents lives elsewhere.
 */
@Injectable()
export class AgentExplorer {
  private readonly paramsFactory = new AgentParamsFactory();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: AgentMetadataAccessor,
    private readonly contextCreator: ExternalContextCreator,
    @Inject(AGENT_COORDINATION_RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {}

  /**
   * Every agent of the application with its handlers.
   *
   * @throws AgentBootstrapError for a handler outside an `@Agent()`, two handlers for one
   *   agent, message type and topic (or lack of one), a bad topic pattern, two agents with one
   *   id, a non-singleton agent, or bad options
   */
  explore(): AgentDefinition[] {
    const agents: AgentDefinition[] = [];
    const seenInstances = new Set<object>();
    const seenIds = new Map<string, string>();
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const target = this.classOf(wrapper);
      if (!target) continue;
      const options = this.accessor.getAgentOptions(target);
      if (!options) {
        this.rejectStrayHandlers(target);
        continue;
      }
      if (!wrapper.isDependencyTreeStatic() || wrapper.scope === Scope.TRANSIENT) {
        throw new AgentBootstrapError(
          `@Agent() ${target.name} must be a singleton provider: request-scoped and transient agents cannot run a receive loop`,
        );
      }
      const instance = wrapper.instance as object;
      if (seenInstances.has(instance)) continue;
      seenInstances.add(instance);
      const agent = this.define(target, instance, options);
      const key = formatAgentId(agent.agentId);
      const other = seenIds.get(key);
      if (other) {
        throw new AgentBootstrapError(
          `@Agent() ${target.name} and ${other} both claim the agent id ${key}`,
        );
      }
      seenIds.set(key, target.name);
      agents.push(agent);
    }
    return agents;
  }

  private classOf(wrapper: InstanceWrapper): AgentClass | undefined {
    if (wrapper.isAlias) return undefined;
    const instance = wrapper.instance as object | undefined | null;
    if (instance && typeof instance === 'object' && typeof instance.constructor === 'function') {
      return instance.constructor as AgentClass;
    }
    // Scoped providers have no instance yet; their class is the metatype.
    const metatype = wrapper.metatype as AgentClass | null;
    return !wrapper.inject && typeof metatype === 'function' && metatype.prototype
      ? metatype
      : undefined;
  }

  private define(target: AgentClass, instance: object, options: AgentOptions): AgentDefinition {
    const label = `@Agent() on ${target.name}`;
    const agentId = this.checked(label, () =>
      resolveAgentId(
        validateDto(AgentIdDto, { type: options.type, instance: options.instance }, 'agent'),
      ),
    );
    const consumer = this.checked(label, () =>
      resolveConsumerOptions(options.consumer, this.options.consumer, 'consumer'),
    );
    const handlers: AgentHandlerDefinition[] = [];
    // Which method handles each message type without a topic ("request") and on each pattern
    // ("request orders.*"): the runtime's handler set refuses duplicates too, but cannot name
    // the methods.
    const claimed = new Map<string, string>();
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName] as AgentMethod;
      for (const binding of this.accessor.getMessageHandlers(method)) {
        const types = this.checkBinding(target, methodName, binding);
        const { topic } = binding.options;
        for (const type of types) {
          const key = topic === undefined ? type : `${type} ${topic}`;
          const existing = claimed.get(key);
          if (existing) {
            const on = topic === undefined ? '' : ` on topic "${topic}"`;
            throw new AgentBootstrapError(
              `Agent ${formatAgentId(agentId)} (${target.name}) has two handlers for "${type}" messages${on}: ${existing}() and ${methodName}()`,
            );
          }
          claimed.set(key, methodName);
        }
        handlers.push(this.bind(instance, methodName, types, binding));
      }
    }
    return {
      agentId,
      name: options.name ?? formatAgentId(agentId),
      instance,
      options,
      consumer,
      handlers,
    };
  }

  private checkBinding(
    target: AgentClass,
    methodName: string,
    binding: OnAgentMessageMetadata,
  ): MessageType[] {
    const where = `@OnAgentMessage() on ${target.name}.${methodName}()`;
    if (binding.types.length === 0) throw new AgentBootstrapError(`${where} names no message type`);
    for (const type of binding.types) {
      if (!MESSAGE_TYPES.has(type)) {
        throw new AgentBootstrapError(
          `${where}: "${String(type)}" is not a message type (one of ${[...MESSAGE_TYPES].join(', ')})`,
        );
      }
    }
    const timeout = binding.options.timeoutMs;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1)) {
      throw new AgentBootstrapError(
        `${where}: timeoutMs must be a positive integer, got ${String(timeout)}`,
      );
    }
    if (binding.options.topic !== undefined) {
      this.checked(where, () => TopicPattern.parse(binding.options.topic));
    }
    return [...new Set(binding.types as MessageType[])];
  }

  private bind(
    instance: object,
    methodName: string,
    types: readonly MessageType[],
    binding: OnAgentMessageMetadata,
  ): AgentHandlerDefinition {
    const callback = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
    const invoke = this.contextCreator.create(
      instance,
      callback,
      methodName,
      AGENT_HANDLER_ARGS_METADATA,
      this.paramsFactory,
      undefined,
      undefined,
      { guards: true, interceptors: true, filters: false },
      AGENT_MESSAGE_CONTEXT_TYPE,
    ) as (payload: unknown, context: AgentMessageContext) => Promise<unknown>;
    return { methodName, types, options: binding.options, invoke };
  }

  private rejectStrayHandlers(target: AgentClass): void {
    if (!target.prototype) return;
    for (const methodName of this.scanner.getAllMethodNames(target.prototype as object)) {
      const method = (target.prototype as Record<string, unknown>)[methodName];
      if (
        typeof method === 'function' &&
        this.accessor.getMessageHandlers(method as AgentMethod).length > 0
      ) {
        throw new AgentBootstrapError(
          `@OnAgentMessage() on ${target.name}.${methodName}() is outside an @Agent(): mark ${target.name} with @Agent({ type }) or remove the handler`,
        );
      }
    }
  }

  private checked<T>(label: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw new AgentBootstrapError(`${label}: ${(error as Error).message}`, { cause: error });
    }
  }
}
