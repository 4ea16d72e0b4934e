import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  type AgentId,
  type OutgoingMessage,
  type ReceivedMessage,
  type RedisMessageCoordinatorOptions,
} from '../../lib/messaging';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

/**
 * How far two readings of the server clock may disagree beyond real elapsed time (the fake's
 * TIME is clock-corrected, see lib/testing/mock-clock.ts, so both backends share one slack).
 */
export const CLOCK_SLACK_MS = 50;

/** `stats()` of a queue that holds nothing. */
export const EMPTY_QUEUE = { ready: 0, delayed: 0, reserved: 0, deadLettered: 0 } as const;

/** The sender used by most coordinator tests. */
export const planner: AgentId = { type: 'planner', instance: 'p1' };

/** An EVENT with `payload`, plus any field of `extra`. */
export function event(
  payload: Record<string, unknown> = {},
  extra: Partial<OutgoingMessage> = {},
): OutgoingMessage {
  return { messageType: MessageType.EVENT, payload, priority: MessagePriority.NORMAL, ...extra };
}

/**
 * One test file's coordinators: a key prefix of its own, one client, and a factory for
 * coordinators on that prefix; {@link CoordinatorFixture.teardown} closes and deletes it all.
 */
export class CoordinatorFixture {
  readonly prefix: string;
  readonly client: Redis;
  readonly keys: KeyLayout;
  private readonly made: RedisMessageCoordinator[] = [];
  private readonly prefixes = new Set<string>();

  constructor(name: string) {
    this.prefix = uniquePrefix(name);
    this.client = createClient();
    this.keys = new KeyLayout(this.prefix);
  }

  /**
   * A coordinator on this file's prefix (or the `keyPrefix` given, which should start with
   * it), on this file's client or `client`; closed and its keys deleted by {@link teardown}.
   */
  coordinator(
    options: RedisMessageCoordinatorOptions = {},
    client: Redis = this.client,
  ): RedisMessageCoordinator {
    const coordinator = new RedisMessageCoordinator(client, { keyPrefix: this.prefix, ...options });
    this.made.push(coordinator);
    this.prefixes.add(options.keyPrefix ?? this.prefix);
    return coordinator;
  }

  /**
   * Makes a reservation lapse now by moving its deadline into the past, so recovery can be
   * shown without waiting (and without trusting ioredis-mock's clock).
   */
  async expire(agent: AgentId, token: string): Promise<void> {
    expect(await this.client.zadd(this.keys.queue(agent).reserved, 'XX', 'CH', 1, token)).toBe(1);
  }

  /** Makes a scheduled retry due now. */
  async makeDue(agent: AgentId, messageId: string): Promise<void> {
    expect(await this.client.zadd(this.keys.queue(agent).delayed, 'XX', 'CH', 1, messageId)).toBe(
      1,
    );
  }

  async teardown(): Promise<void> {
    await Promise.all(this.made.splice(0).map((c) => c.close()));
    this.prefixes.add(this.prefix);
    for (const prefix of this.prefixes) await deleteKeys(this.client, prefix);
    await closeClients();
  }
}

/** Takes every due message of `agent` without acknowledging it. */
export async function reserveAll(
  coordinator: RedisMessageCoordinator,
  agent: AgentId,
  visibilityTimeoutMs = 30_000,
): Promise<ReceivedMessage[]> {
  const taken: ReceivedMessage[] = [];
  for (;;) {
    const delivery = await coordinator.receive(agent, visibilityTimeoutMs);
    if (!delivery) return taken;
    taken.push(delivery);
  }
}

/** Receives and acknowledges every due message of `agent`; returns their ids in order. */
export async function drainIds(
  coordinator: RedisMessageCoordinator,
  agent: AgentId,
): Promise<string[]> {
  const ids: string[] = [];
  for (const delivery of await reserveAll(coordinator, agent)) {
    expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    ids.push(delivery.queueMessage.message.messageId);
  }
  return ids;
}
