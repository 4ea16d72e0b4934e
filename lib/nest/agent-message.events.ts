import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { ResolvedAgentId } from '../messaging/models/agent-id';
import type { MessageType } from '../messaging/models/message.enums';

/**
 * How the consumer settled one delivery:
 * - `acked`: the handler returned (and a REQUEST was answered);
 * - `retried`: it failed and was scheduled for another delivery after backoff;
 * - `dead-lettered`: it failed permanently, ran out of retries, or had no handler;
 * - `unsettled`: left reserved for recovery (reservation lost, Redis failure, or shutdown).
 */
export type MessageOutcome = 'acked' | 'retried' | 'dead-lettered' | 'unsettled';

/** A delivery that reached an agent's consumer. */
export interface MessageReceivedEvent {
  /** The agent whose consumer received the delivery. */
  agentId: ResolvedAgentId;
  /** Id of the delivered message. */
  messageId: string;
  /** Its type. */
  messageType: MessageType;
  /** 1 on the first delivery. */
  attempt: number;
}

/** A delivery the consumer finished with. */
export interface MessageHandledEvent extends MessageReceivedEvent {
  /** How the delivery was settled. */
  outcome: MessageOutcome;
  /** Whether a handler ran (false when none exists for the type). */
  handled: boolean;
  /** Whether the handler threw (or timed out). */
  failed: boolean;
  /** Time from receipt to settlement, ms. */
  durationMs: number;
  /** The message's correlation id; absent when it carries none. */
  correlationId?: string;
  /** The failure recorded with a nack, or why the delivery was left unsettled. */
  error?: string;
}

/**
 * The stream of what agents' consumers do. Metrics, the testing helpers and applications
 * subscribe to it; it never feeds back into message handling.
 */
@Injectable()
export class AgentMessageEvents implements OnApplicationShutdown {
  private readonly receivedSubject = new Subject<MessageReceivedEvent>();
  private readonly handledSubject = new Subject<MessageHandledEvent>();

  /** Every delivery as it reaches a consumer. */
  readonly received$: Observable<MessageReceivedEvent> = this.receivedSubject.asObservable();
  /** Every delivery once it is settled (or left for recovery). */
  readonly handled$: Observable<MessageHandledEvent> = this.handledSubject.asObservable();

  /** @internal reported by the consumer */
  emitReceived(event: MessageReceivedEvent): void {
    this.receivedSubject.next(event);
  }

  /** @internal reported by the consumer */
  emitHandled(event: MessageHandledEvent): void {
    this.handledSubject.next(event);
  }

  /** Completes both streams. */
  onApplicationShutdown(): void {
    this.receivedSubject.complete();
    this.handledSubject.complete();
  }
}
