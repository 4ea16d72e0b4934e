import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DEFAULT_COORDINATOR_LIMITS } from '../messaging/coordinator.options';
import { MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId } from '../messaging/models/agent-id';
import { RedisMessageCoordinator } from '../messaging/redis-message-coordinator';
import { AgentRegistry } from '../registry/agent-registry';
import { CircuitBreakerRegistry } from '../resilience/circuit-breaker-registry';
import {
  AGENT_COORDINATION_CORE_COORDINATOR,
  AGENT_COORDINATION_REDIS,
  AGENT_COORDINATION_RESOLVED_OPTIONS,
} from './agent-coordination.constants';
import type { ResolvedModuleOptions } from './agent-coordination-options.resolver';
import { AgentTracing } from './agent-coordination.tracing';
import { AgentConsumer, type AgentConsumerStatus } from './agent-consumer';
import { AgentExplorer } from './agent.explorer';
import { AgentMessageDispatcher } from './agent-message.dispatcher';
import { AgentMessageEvents } from './agent-message.events';
import { toRegistrableAgent } from './agent-registration';
import { closeConnection, type AgentCoordinationRedis } from './redis-connection';

/**
 * Runs the module's agents for the application's lifetime. On bootstrap it finds the
 * agents, registers them and starts their receive loops; before shutdown it stops the
 * loops, drains running handlers and deregisters the agents (sending still works
 * meanwhile); on shutdown it closes what the module opened.
 */
@Injectable()
export class AgentCoordinationLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('AgentCoordination');
  private consumers: AgentConsumer[] = [];
  private stopped: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly explorer: AgentExplorer,
    private readonly coordinator: MessageCoordinator,
    @Inject(AGENT_COORDINATION_CORE_COORDINATOR) private readonly core: MessageCoordinator,
    private readonly registry: AgentRegistry,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly events: AgentMessageEvents,
    private readonly tracing: AgentTracing,
    @Inject(AGENT_COORDINATION_REDIS) private readonly redis: AgentCoordinationRedis,
    @Inject(AGENT_COORDINATION_RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {}

  /**
   * Finds, registers and starts every agent. When that fails, everything the module opened
   * is closed before the error propagates (Nest cannot `close()` an application whose
   * initialisation failed).
   *
   * @throws AgentBootstrapError for a bad declaration
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.startAgents();
    } catch (error) {
      await this.beforeApplicationShutdown();
      this.closed ??= this.closeAll();
      await this.closed;
      throw error;
    }
  }

  private async startAgents(): Promise<void> {
    const agents = this.explorer.explore();
    const dispatcher = new AgentMessageDispatcher({
      coordinator: this.coordinator,
      tracing: this.tracing,
      events: this.events,
      retryAttempts: () => this.retryAttempts(),
    });
    this.consumers = agents.map((agent) => new AgentConsumer(agent, this.coordinator, dispatcher));
    for (const consumer of this.consumers) {
      await this.registry.register(toRegistrableAgent(consumer.agent, consumer));
    }
    for (const consumer of this.consumers) consumer.start();
    if (agents.length > 0) {
      this.logger.log(`Running agents: ${agents.map((a) => formatAgentId(a.agentId)).join(', ')}`);
    }
  }

  /** Status of every agent's loop, keyed `type/instance`. */
  status(): Record<string, AgentConsumerStatus> {
    return Object.fromEntries(
      this.consumers.map((c) => [formatAgentId(c.agent.agentId), c.status()]),
    );
  }

  /** Stops receiving, drains handlers up to `shutdownTimeoutMs`, deregisters agents. */
  beforeApplicationShutdown(): Promise<void> {
    this.stopped ??= this.stopAgents();
    return this.stopped;
  }

  /** Closes the coordinator, registry and breakers, and the connection if the module opened it. */
  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    this.closed ??= this.closeAll();
    return this.closed;
  }

  private async stopAgents(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    await Promise.all(
      this.consumers.map((consumer) =>
        this.registry
          .deregister(consumer.agent.agentId)
          .catch((error: Error) =>
            this.logger.warn(
              `deregister of ${formatAgentId(consumer.agent.agentId)} failed: ${error.message}`,
            ),
          ),
      ),
    );
  }

  private async closeAll(): Promise<void> {
    const close = async (what: string, action: () => Promise<void>): Promise<void> => {
      try {
        await action();
      } catch (error) {
        this.logger.warn(`closing the ${what} failed: ${(error as Error).message}`);
      }
    };
    await close('agent registry', () => this.registry.close());
    await close('circuit breaker registry', () => this.breakers.close());
    await close('message coordinator', () => this.core.close());
    await close('Redis connection', () => closeConnection(this.redis));
  }

  private retryAttempts(): number {
    if (this.core instanceof RedisMessageCoordinator) return this.core.limits.retryAttempts;
    return this.options.coordinator.retryAttempts ?? DEFAULT_COORDINATOR_LIMITS.retryAttempts;
  }
}
