import type { Provider } from '@nestjs/common';
import { chainInstrumentation } from '../../messaging/coordinator-instrumentation';
import { MessageCoordinator } from '../../messaging/message-coordinator';
import { RedisMessageCoordinator } from '../../messaging/redis-message-coordinator';
import { AgentRegistry } from '../../registry/agent-registry';
import { RedisAgentRegistry } from '../../registry/redis-agent-registry';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker-registry';
import type { CoordinationLogger } from '../../common/logger';
import {
  AGENT_COORDINATION_CORE_COORDINATOR,
  AGENT_COORDINATION_IDENTITY,
  AGENT_COORDINATION_LOGGER,
  AGENT_COORDINATION_REDIS,
  AGENT_COORDINATION_RESOLVED_OPTIONS,
} from './agent-coordination.constants';
import { AGENT_COORDINATION_MODULE_OPTIONS } from './agent-coordination.module-definition';
import type { AgentCoordinationModuleOptions } from './agent-coordination.options';
import {
  resolveModuleOptions,
  type ResolvedModuleOptions,
} from './agent-coordination-options.resolver';
import { createNestCoordinationLogger } from '../workers/agent-coordination.logger';
import { AgentTracing } from '../observability/agent-coordination.tracing';
import { openConnection, type AgentCoordinationRedis } from './redis.connection';

/**
 * The providers that build the framework-free core from the module options: validated
 * options, the logger, the application's identity, the connection (ready, or bootstrap fails),
 * the coordinator (with the tracing hooks when on, outside any `coordinator.instrumentation` of
 * the options), the registry and the circuit breakers, all logging through Nest.
 */
export const agentCoordinationCoreProviders: Provider[] = [
  {
    provide: AGENT_COORDINATION_RESOLVED_OPTIONS,
    useFactory: (options: AgentCoordinationModuleOptions) => resolveModuleOptions(options),
    inject: [AGENT_COORDINATION_MODULE_OPTIONS],
  },
  {
    provide: AGENT_COORDINATION_LOGGER,
    useFactory: () => createNestCoordinationLogger(),
  },
  {
    provide: AGENT_COORDINATION_IDENTITY,
    useFactory: (options: ResolvedModuleOptions) => options.identity,
    inject: [AGENT_COORDINATION_RESOLVED_OPTIONS],
  },
  {
    provide: AGENT_COORDINATION_REDIS,
    useFactory: (options: ResolvedModuleOptions, logger: CoordinationLogger) =>
      openConnection(options.connection, options.connectTimeoutMs, logger),
    inject: [AGENT_COORDINATION_RESOLVED_OPTIONS, AGENT_COORDINATION_LOGGER],
  },
  {
    provide: AGENT_COORDINATION_CORE_COORDINATOR,
    useFactory: (
      redis: AgentCoordinationRedis,
      options: ResolvedModuleOptions,
      logger: CoordinationLogger,
      tracing: AgentTracing,
    ) =>
      new RedisMessageCoordinator(redis.client, {
        logger,
        ...options.coordinator,
        keyPrefix: options.keyPrefix,
        instrumentation: chainInstrumentation(
          tracing.instrumentation?.coordinator,
          options.coordinator.instrumentation,
        ),
      }),
    inject: [
      AGENT_COORDINATION_REDIS,
      AGENT_COORDINATION_RESOLVED_OPTIONS,
      AGENT_COORDINATION_LOGGER,
      AgentTracing,
    ],
  },
  {
    provide: AgentTracing,
    useFactory: (options: ResolvedModuleOptions) => AgentTracing.create(options.tracing),
    inject: [AGENT_COORDINATION_RESOLVED_OPTIONS],
  },
  { provide: MessageCoordinator, useExisting: AGENT_COORDINATION_CORE_COORDINATOR },
  {
    provide: AgentRegistry,
    useFactory: (
      redis: AgentCoordinationRedis,
      options: ResolvedModuleOptions,
      logger: CoordinationLogger,
    ) =>
      new RedisAgentRegistry(redis.client, {
        logger,
        ...options.registry,
        keyPrefix: options.keyPrefix,
      }),
    inject: [
      AGENT_COORDINATION_REDIS,
      AGENT_COORDINATION_RESOLVED_OPTIONS,
      AGENT_COORDINATION_LOGGER,
    ],
  },
  {
    provide: CircuitBreakerRegistry,
    useFactory: (
      redis: AgentCoordinationRedis,
      options: ResolvedModuleOptions,
      logger: CoordinationLogger,
    ) =>
      new CircuitBreakerRegistry(redis.client, {
        logger,
        ...options.breakers,
        keyPrefix: options.keyPrefix,
      }),
    inject: [
      AGENT_COORDINATION_REDIS,
      AGENT_COORDINATION_RESOLVED_OPTIONS,
      AGENT_COORDINATION_LOGGER,
    ],
  },
];
