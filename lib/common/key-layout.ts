import { formatAgentId, type AgentId } from './agent-id';
import type { MessagePriority } from '../messaging/models/message.enums';

/** Version of the key layout and stored formats; written to `<prefix>:layout` on start. */
export const KEY_LAYOUT_VERSION = 1;

/**
 * The default key prefix.
 *
 * @public
 */
export const DEFAULT_KEY_PREFIX = 'ao';

/** Keys of one agent's message queue. All share the agent's hash tag, so scripts touch one slot. */
export interface QueueKeys {
  /** Lists of ids ready for delivery, one per priority; FIFO within a priority. */
  ready: Record<MessagePriority, string>;
  /** Sorted set id → due time: retries waiting out their backoff. */
  delayed: string;
  /** Sorted set delivery token → visibility deadline. */
  reserved: string;
  /** Hash id → stored message; the only copy of each body. */
  bodies: string;
  /** Hash id → failed deliveries so far (absent means 0). */
  attempts: string;
  /** Hash id → last error text. */
  errors: string;
  /** Sorted set id → dead-letter sequence number (oldest first). */
  dead: string;
  /** Sorted set id → time until which the id is refused as a duplicate. */
  dedup: string;
  /** Counter for delivery tokens and dead-letter order. */
  seq: string;
  /** List holding at most one marker, which blocked receivers wait on. */
  wake: string;
}

/**
 * Keys of one quota: state hash, admission log, charge hash, slot zset, seat zset, seat
 * deadline zset (see docs/PROTOCOL.md, "Quotas").
 */
export type QuotaKeys = readonly [string, string, string, string, string, string];

/** Keys of one budget root: level hash, reservation deadline zset, reservation hash. */
export type BudgetKeys = readonly [string, string, string];

/**
 * The one place where key names are built (see docs/PROTOCOL.md).
 * Ids reaching here were validated, so no input can name a key outside its agent and prefix.
 */
export class KeyLayout {
  constructor(
    /** Prefix of every key, e.g. `ao`. */
    readonly prefix: string,
  ) {}

  /** `{type/instance}`: the hash tag shared by every key of one agent. */
  tag(agent: AgentId): string {
    return `{${formatAgentId(agent)}}`;
  }

  /** Holds {@link KEY_LAYOUT_VERSION}. */
  get layout(): string {
    return `${this.prefix}:layout`;
  }

  /** Set of `type/instance` of every agent that has a message queue. */
  get queueIndex(): string {
    return `${this.prefix}:queues`;
  }

  /** Hash subscriptionId → `type/instance|type,type`. */
  get subscriptions(): string {
    return `${this.prefix}:subs`;
  }

  /** Set of subscription ids interested in one message type. */
  subscribers(messageType: string): string {
    return `${this.prefix}:subs:${messageType}`;
  }

  /** Keys of one agent's queue. */
  queue(agent: AgentId): QueueKeys {
    const base = `${this.prefix}:${this.tag(agent)}:q`;
    return {
      ready: { 9: `${base}:ready:9`, 5: `${base}:ready:5`, 1: `${base}:ready:1` },
      delayed: `${base}:delayed`,
      reserved: `${base}:reserved`,
      bodies: `${base}:bodies`,
      attempts: `${base}:attempts`,
      errors: `${base}:errors`,
      dead: `${base}:dead`,
      dedup: `${base}:dedup`,
      seq: `${base}:seq`,
      wake: `${base}:wake`,
    };
  }

  /** Hash of one registered agent (owner, name, status, state, heartbeat, TTL, capability revision). */
  agent(agent: AgentId): string {
    return `${this.prefix}:${this.tag(agent)}:agent`;
  }

  /** Capability set of one agent (JSON string); expires with the agent's hash. */
  capabilities(agent: AgentId): string {
    return `${this.prefix}:${this.tag(agent)}:caps`;
  }

  /** Sorted set of `type/instance` of registered agents, scored by heartbeat deadline (server ms). */
  get agentIndex(): string {
    return `${this.prefix}:agents`;
  }

  /** Sorted set of `type/instance` of agents with capabilities, scored by capability revision. */
  get capabilityIndex(): string {
    return `${this.prefix}:caps`;
  }

  /** Pub/sub channel of registry events. */
  get registryChannel(): string {
    return `${this.prefix}:events:registry`;
  }

  /** Hash holding one circuit breaker's shared state. */
  breaker(name: string): string {
    return `${this.prefix}:breaker:{${name}}`;
  }

  /** Set of breaker names. */
  get breakerIndex(): string {
    return `${this.prefix}:breakers`;
  }

  /** Pub/sub channel of breaker state changes. */
  get breakerChannel(): string {
    return `${this.prefix}:events:breaker`;
  }

  /**
   * Keys of one quota, all under the hash tag `{name}` so every quota script touches one
   * slot. In order: state, log, charge, slot, seat, seat deadline.
   */
  quota(name: string): QuotaKeys {
    const base = `${this.prefix}:quota:{${name}}`;
    return [
      `${base}:state`,
      `${base}:log`,
      `${base}:charge`,
      `${base}:slots`,
      `${base}:seats`,
      `${base}:seat-ttl`,
    ];
  }

  /** Pub/sub channel on which a quota's next waiter is told to try again. */
  get quotaChannel(): string {
    return `${this.prefix}:events:quota`;
  }

  /**
   * Keys of every budget under one root (the first segment of a budget path), all under the
   * hash tag `{root}`. In order: levels, reservation deadlines, reservations.
   */
  budget(root: string): BudgetKeys {
    const base = `${this.prefix}:budget:{${root}}`;
    return [`${base}:levels`, `${base}:res-ttl`, `${base}:res`];
  }
}
