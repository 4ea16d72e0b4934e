import type { AgentId, ResolvedAgentId } from '../../common/agent-id';
import type { JsonObject } from '../../messaging/models/agent-message';
import type { AgentCapabilitySet, AgentCapabilitySetInput } from './capability.models';

/** A JSON object (the messaging model's type): status snapshots and exported state. */
export type { JsonObject };

/**
 * Something that may be returned directly or as a promise.
 *
 * @public
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What the registry needs from an agent. Only `agentId`, `name` and `statusSnapshot` are
 * required; the optional hooks persist state across incarnations and advertise capabilities.
 *
 * @public
 */
export interface RegistrableAgent {
  /** Validated on register. */
  readonly agentId: AgentId;
  /** Human-readable name, 1–256 characters. */
  readonly name: string;
  /**
   * Current status as a JSON object, stored on every beat. A change of any top-level field
   * (except the registry's `volatileStatusFields`) publishes one `status_changed` event.
   */
  statusSnapshot(): MaybePromise<JsonObject>;
  /** State to hand to the next incarnation; stored on every beat. */
  exportState?(): MaybePromise<JsonObject | null | undefined>;
  /** Receives the state the previous incarnation exported, before registration completes. */
  importState?(state: JsonObject): MaybePromise<void>;
  /** Capabilities to advertise; refreshed on every beat. */
  getCapabilities?(): MaybePromise<AgentCapabilitySetInput | AgentCapabilitySet | null | undefined>;
}

/**
 * An agent as every process sees it in Redis.
 *
 * @public
 */
export interface RegisteredAgent {
  /** The agent's id. */
  agentId: ResolvedAgentId;
  /** Its human-readable name. */
  name: string;
  /** The last stored status snapshot. */
  status: JsonObject;
  /** Its capability set; absent when it advertises none or the stored set cannot be read. */
  capabilities?: AgentCapabilitySet;
  /** The state it last exported; absent when it exports none. */
  state?: JsonObject;
  /** Epoch ms of the last heartbeat, on the Redis server's clock. */
  lastHeartbeat: number;
  /** Whether the last heartbeat is within the TTL, judged on the Redis server's clock. */
  alive: boolean;
}

/**
 * What `register` resolves with.
 *
 * @public
 */
export interface RegistrationResult extends RegisteredAgent {
  /** Whether state exported by a previous incarnation was imported. */
  stateRestored: boolean;
}
