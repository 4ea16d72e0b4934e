import type { Observable } from 'rxjs';
import type { AgentId } from '../common/agent-id';
import type { AgentCapabilitySet, AgentCapabilitySetInput } from './models/capability.models';
import type {
  CapabilityDiscoveryRequest,
  CapabilityDiscoveryResponse,
  MatchingStatistics,
} from './models/discovery.models';
import type {
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
} from './models/registered-agent';
import type { RegistryEvent, RegistryEventOf, RegistryEventType } from './registry.events';

/**
 * Who is alive, what each agent can do, and events when agents appear, change or die.
 * The injection token of the Nest module; {@link RedisAgentRegistry} is the Redis
 * implementation.
 *
 * @public
 */
export abstract class AgentRegistry {
  /** Every registry event from every process. */
  abstract readonly events$: Observable<RegistryEvent>;

  /**
   * Registers an agent (awaited): imports the state a previous incarnation exported, then
   * stores name, status, state and capabilities with a heartbeat TTL and indexes the agent.
   * A newer registration of the same id takes over; the older process stops beating it.
   */
  abstract register(agent: RegistrableAgent): Promise<RegistrationResult>;
  /** Removes every key of the agent; `false` when nothing was registered under that id. */
  abstract deregister(agentId: AgentId): Promise<boolean>;
  /** Beats one agent registered here now (status changes are published at once). */
  abstract heartbeat(agentId: AgentId): Promise<void>;
  /** Starts beating this process's agents and sweeping lapsed ones. */
  abstract startHeartbeats(): Promise<void>;
  /** Stops the loop and waits for a beat in progress. */
  abstract stopHeartbeats(): Promise<void>;
  /** Announces (once, across all processes) agents whose heartbeat lapsed; returns them. */
  abstract sweepExpired(): Promise<AgentId[]>;

  /** Every indexed agent, from any process. */
  abstract listRegistered(): Promise<RegisteredAgent[]>;
  /** One agent, or `null` when unknown. */
  abstract getAgent(agentId: AgentId): Promise<RegisteredAgent | null>;

  /** Stores the capabilities of a registered agent; `false` when it has no record. */
  abstract registerCapabilities(
    agentId: AgentId,
    capabilitySet: AgentCapabilitySetInput | AgentCapabilitySet,
  ): Promise<boolean>;
  /** The agent's capabilities, or `null`. */
  abstract getAgentCapabilities(agentId: AgentId): Promise<AgentCapabilitySet | null>;
  /** Every readable capability set of a live agent. */
  abstract listAllCapabilities(): Promise<AgentCapabilitySet[]>;
  /** Finds and ranks capabilities of live agents. */
  abstract discoverCapabilities(
    request: CapabilityDiscoveryRequest,
  ): Promise<CapabilityDiscoveryResponse>;
  /** Removes capability data whose agent record is gone; returns how many sets. */
  abstract cleanupStaleCapabilities(): Promise<number>;
  /** Counts over the capabilities of live agents. */
  abstract matchingStatistics(): Promise<MatchingStatistics>;

  /** Calls `listener` for each event of one kind; returns the function that stops it. */
  abstract on<K extends RegistryEventType>(
    type: K,
    listener: (event: RegistryEventOf<K>) => void,
  ): () => void;
  /** Resolves once events from other processes are being received. */
  abstract ready(): Promise<void>;
  /** Stops timers and the event subscription. Records stay until they lapse. */
  abstract close(): Promise<void>;
}
