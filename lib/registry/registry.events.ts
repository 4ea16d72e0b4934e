import { Subject, filter, type Observable } from 'rxjs';
import { duplicateWatched } from '../common/connection-monitor';
import type { CoordinationLogger } from '../common/logger';
import type { RedisClient } from '../common/redis-client';
import { parseAgentId, type ResolvedAgentId } from '../common/agent-id';
import type { JsonObject } from './models/registered-agent';
import { parseJsonObject } from '../common/json';

/**
 * Kinds of registry events.
 *
 * @public
 */
export type RegistryEventType = 'registered' | 'deregistered' | 'status_changed' | 'expired';

const EVENT_TYPES: ReadonlySet<string> = new Set<RegistryEventType>([
  'registered',
  'deregistered',
  'status_changed',
  'expired',
]);

/**
 * What every registry event carries: the agent it is about, its publisher and when.
 *
 * @public
 */
export interface RegistryEventBase {
  /** The agent the event is about. */
  agentId: ResolvedAgentId;
  /** Id of the registry instance that published the event. */
  origin: string;
  /** Epoch ms on the publisher's clock. */
  at: number;
}

/**
 * An agent was registered, or came back after being declared expired (`revived`).
 *
 * @public
 */
export interface AgentRegisteredEvent extends RegistryEventBase {
  /** The kind of event. */
  type: 'registered';
  /** The agent's name. */
  name: string;
  /** Its status snapshot as just stored. */
  status: JsonObject;
  /** False on `register`; true when a heartbeat re-indexed an agent declared expired. */
  revived: boolean;
}

/**
 * An agent was removed with `deregister`.
 *
 * @public
 */
export interface AgentDeregisteredEvent extends RegistryEventBase {
  /** The kind of event. */
  type: 'deregistered';
}

/**
 * One change of a field of an agent's status snapshot.
 *
 * @public
 */
export interface StatusFieldChange {
  /** The field's value in the previous snapshot; `undefined` when it was added. */
  previous: unknown;
  /** The field's value now; `undefined` when it was removed. */
  current: unknown;
}

/**
 * Fields of an agent's status snapshot changed.
 *
 * @public
 */
export interface AgentStatusChangedEvent extends RegistryEventBase {
  /** The kind of event. */
  type: 'status_changed';
  /** The agent's name. */
  name: string;
  /** Only the fields that changed; a removed field has `current: undefined`. */
  changes: Record<string, StatusFieldChange>;
  /** The whole new status snapshot. */
  status: JsonObject;
}

/**
 * An agent's heartbeat lapsed. Published by exactly one process.
 *
 * @public
 */
export interface AgentExpiredEvent extends RegistryEventBase {
  /** The kind of event. */
  type: 'expired';
  /** The agent's name, when its record was still readable. */
  name?: string;
  /** Epoch ms (server clock) of its last heartbeat, when its record was still readable. */
  lastHeartbeat?: number;
}

/**
 * Any registry event.
 *
 * @public
 */
export type RegistryEvent =
  AgentRegisteredEvent | AgentDeregisteredEvent | AgentStatusChangedEvent | AgentExpiredEvent;

/**
 * The event of one kind.
 *
 * @public
 */
export type RegistryEventOf<K extends RegistryEventType> = Extract<
  RegistryEvent,
  {
    /** The kind of event. */
    type: K;
  }
>;

/** Reads an event from the channel; `null` for anything malformed. */
export function decodeRegistryEvent(text: string): RegistryEvent | null {
  const event = parseJsonObject(text);
  if (event === null) return null;
  if (typeof event.type !== 'string' || !EVENT_TYPES.has(event.type)) return null;
  if (typeof event.origin !== 'string' || typeof event.at !== 'number') return null;
  const id = event.agentId as Record<string, unknown> | undefined;
  if (typeof id?.type !== 'string' || typeof id.instance !== 'string') return null;
  const agentId = parseAgentId(`${id.type}/${id.instance}`);
  if (!agentId) return null;
  return { ...(event as unknown as RegistryEvent), agentId };
}

/** The text of an event on the channel, as {@link decodeRegistryEvent} reads it. */
export function encodeRegistryEvent(event: RegistryEvent): string {
  return JSON.stringify(event);
}

/**
 * Registry events over Redis pub/sub. Subscribes on a duplicate of the caller's connection
 * (a subscribed connection can run nothing else), which it opens and closes itself. Every
 * event, including this process's own, arrives through Redis, so all processes see the same
 * stream.
 */
export class RegistryEventChannel {
  private readonly subject = new Subject<RegistryEvent>();
  private subscriber: RedisClient | null = null;
  private readonly subscribed: Promise<void>;

  /** Every event received, in arrival order. */
  readonly events$: Observable<RegistryEvent> = this.subject.asObservable();

  constructor(
    private readonly client: RedisClient,
    private readonly channel: string,
    private readonly onError: (error: Error) => void,
    listen: boolean,
    private readonly logger: CoordinationLogger,
  ) {
    this.subscribed = listen ? this.listen() : Promise.resolve();
    this.subscribed.catch((error: Error) => this.onError(error));
  }

  /** Resolves once the subscription is active; rejects when subscribing failed. */
  ready(): Promise<void> {
    return this.subscribed;
  }

  private async listen(): Promise<void> {
    // Connection trouble is logged once per state by the monitor; `onError` hears only
    // about this channel's own failures (subscribing, malformed events).
    const subscriber = duplicateWatched(this.client, this.logger);
    this.subscriber = subscriber;
    // The subscriber listens on this one channel only, so every message is meant for it.
    subscriber.on('message', (_channel: string, text: string) => {
      const event = decodeRegistryEvent(text);
      if (event) this.subject.next(event);
      else this.onError(new Error(`Ignored a malformed registry event: ${text.slice(0, 200)}`));
    });
    await subscriber.subscribe(this.channel);
  }

  /** Calls `listener` for each event of one kind; returns the function that stops it. */
  on<K extends RegistryEventType>(
    type: K,
    listener: (event: RegistryEventOf<K>) => void,
  ): () => void {
    const subscription = this.events$
      .pipe(filter((event): event is RegistryEventOf<K> => event.type === type))
      .subscribe(listener);
    return () => subscription.unsubscribe();
  }

  /** Publishes to every process. */
  async publish(event: RegistryEvent): Promise<void> {
    await this.client.publish(this.channel, encodeRegistryEvent(event));
  }

  /** Unsubscribes, closes the duplicated connection and completes {@link events$}. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) {
      await this.subscribed.catch(() => undefined);
      await subscriber.unsubscribe(this.channel).catch(() => undefined);
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
    this.subject.complete();
  }
}
