import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { CoordinationLogger } from '../../common/logger';
import { MessageCoordinator } from '../../messaging/message-coordinator';
import { formatAgentId } from '../../common/agent-id';
import { AgentRegistry } from '../../registry/agent-registry';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker-registry';
import {
  AGENT_COORDINATION_CORE_COORDINATOR,
  AGENT_COORDINATION_LOGGER,
  AGENT_COORDINATION_REDIS,
} from '../module/agent-coordination.constants';
import { AgentTracing } from '../observability/agent-coordination.tracing';
import type { AgentWorker, AgentWorkerStatus } from '../../runtime/agent.worker';
import { AgentExplorer } from '../discovery/agent.explorer';
import { createAgentWorker } from './agent-worker.factory';
import { AgentMessageEvents } from './agent-message.events';
import { toRegistrableAgent } from './agent.registration';
import { closeConnection, type AgentCoordinationRedis } from '../module/redis.connection';

/**
 * Runs the module's agents for the application's lifetime. On bootstrap it finds the
 * agents, registers them and starts their receive loops; before shutdown it stops the
 * loops, drains running handlers and deregisters the agents (sending still works
 * meanwhile); on shutdown it closes what the module opened.
 *
 * @internal
 */
@Injectable()
export class AgentCoordinationLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('AgentCoordination');
  private workers: AgentWorker[] = [];
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
    @Inject(AGENT_COORDINATION_LOGGER) private readonly coreLogger: CoordinationLogger,
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
    const deps = {
      coordinator: this.coordinator,
      events: this.events,
      tracing: this.tracing,
      logger: this.coreLogger,
    };
    const workers = agents.map((agent) => ({ agent, worker: createAgentWorker(agent, deps) }));
    this.workers = workers.map(({ worker }) => worker);
    for (const { agent, worker } of workers) {
      await this.registry.register(toRegistrableAgent(agent, worker));
    }
    for (const worker of this.workers) worker.start();
    if (agents.length > 0) {
      this.logger.log(`Running agents: ${agents.map((a) => formatAgentId(a.agentId)).join(', ')}`);
    }
  }

  /** Status of every agent's loop, keyed `type/instance`. */
  status(): Record<string, AgentWorkerStatus> {
    return Object.fromEntries(this.workers.map((w) => [formatAgentId(w.agent), w.status()]));
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
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all(
      this.workers.map((worker) =>
        this.registry
          .deregister(worker.agent)
          .catch((error: Error) =>
            this.logger.warn(
              `deregister of ${formatAgentId(worker.agent)} failed: ${error.message}`,
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
}
