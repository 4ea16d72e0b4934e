import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MessageCoordinator } from '../../messaging/message-coordinator';
import { AgentRegistry } from '../../registry/agent-registry';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker-registry';
import {
  AgentCoordinationFeatureModule,
  type AgentCoordinationFeatureOptions,
} from './agent-coordination-feature.module';
import { AgentCoordinationHealthIndicator } from '../observability/agent-coordination.health';
import { AgentCoordinationLifecycle } from '../workers/agent-coordination.lifecycle';
import { AgentCoordinationMetrics } from '../observability/agent-coordination.metrics';
import { AgentCoordinationConfigurableModule } from './agent-coordination.module-definition';
import { agentCoordinationCoreProviders } from './agent-coordination.providers';
import {
  AGENT_COORDINATION_IDENTITY,
  AGENT_COORDINATION_REDIS,
} from './agent-coordination.constants';
import { AgentExplorer } from '../discovery/agent.explorer';
import { AgentMessageEvents } from '../workers/agent-message.events';
import { AgentMetadataAccessor } from '../discovery/agent-metadata.accessor';

/**
 * The NestJS module: import it once with `forRoot()` / `forRootAsync()`, mark providers
 * with `@Agent()`, bind methods with `@OnAgentMessage()`, and the module registers the
 * agents, runs their receive loops, and shuts them down cleanly.
 *
 * Injectable: `MessageCoordinator`, `AgentRegistry`, `CircuitBreakerRegistry`,
 * `AgentCoordinationMetrics`, `AgentMessageEvents`, `AgentCoordinationHealthIndicator`, the
 * application's identity (`AGENT_COORDINATION_IDENTITY`), and breakers and agent clients
 * declared with {@link AgentCoordinationModule.forFeature} via `@InjectCircuitBreaker(name)`
 * and `@InjectAgentClient(target)`.
 *
 * @property forRoot Configures the module with {@link AgentCoordinationForRootOptions}: the
 * {@link AgentCoordinationModuleOptions} plus `isGlobal` (default false).
 * @property forRootAsync Configures the module with options resolved at startup, from
 * {@link AgentCoordinationForRootAsyncOptions}: `useFactory` (with `inject`), `useClass` or
 * `useExisting` (a provider with `createAgentCoordinationOptions()`), `imports`, and
 * `isGlobal`.
 *
 * @public
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...agentCoordinationCoreProviders,
    AgentMetadataAccessor,
    AgentExplorer,
    AgentMessageEvents,
    AgentCoordinationMetrics,
    AgentCoordinationLifecycle,
    AgentCoordinationHealthIndicator,
  ],
  exports: [
    MessageCoordinator,
    AgentRegistry,
    CircuitBreakerRegistry,
    AgentMessageEvents,
    AgentCoordinationMetrics,
    AgentCoordinationHealthIndicator,
    AGENT_COORDINATION_REDIS,
    AGENT_COORDINATION_IDENTITY,
  ],
})
export class AgentCoordinationModule extends AgentCoordinationConfigurableModule {
  /**
   * Declares circuit breakers to inject with `@InjectCircuitBreaker(name)` and agent clients
   * to inject with `@InjectAgentClient(target)` in the importing module. The root module must
   * be global (`isGlobal: true`).
   */
  static forFeature(options: AgentCoordinationFeatureOptions): DynamicModule {
    return AgentCoordinationFeatureModule.register(options);
  }
}
