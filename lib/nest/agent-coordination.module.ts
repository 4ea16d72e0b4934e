import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MessageCoordinator } from '../messaging/message-coordinator';
import { AgentRegistry } from '../registry/agent-registry';
import { AgentCoordinationHealthIndicator } from './agent-coordination.health';
import { AgentCoordinationLifecycle } from './agent-coordination.lifecycle';
import { AgentCoordinationMetrics } from './agent-coordination.metrics';
import { AgentCoordinationConfigurableModule } from './agent-coordination.module-definition';
import { agentCoordinationCoreProviders } from './agent-coordination.providers';
import { AGENT_COORDINATION_REDIS } from './agent-coordination.constants';
import { AgentExplorer } from './agent.explorer';
import { AgentMessageEvents } from './agent-message.events';
import { AgentMetadataAccessor } from './agent-metadata.accessor';

/**
 * The NestJS module: import it once with `forRoot()` / `forRootAsync()`, mark providers
 * with `@Agent()`, bind methods with `@OnAgentMessage()`, and the module registers the
 * agents, runs their receive loops, and shuts them down cleanly.
 *
 * Injectable: `MessageCoordinator`, `AgentRegistry`, `AgentCoordinationMetrics`,
 * `AgentMessageEvents`, `AgentCoordinationHealthIndicator`.
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
    AgentMessageEvents,
    AgentCoordinationMetrics,
    AgentCoordinationHealthIndicator,
    AGENT_COORDINATION_REDIS,
  ],
})
export class AgentCoordinationModule extends AgentCoordinationConfigurableModule {}
