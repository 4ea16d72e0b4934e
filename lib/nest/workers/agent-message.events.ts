import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { MessageHandledEvent, MessageReceivedEvent } from '../../runtime/agent-worker.events';

export type {
  MessageHandledEvent,
  MessageOutcome,
  MessageReceivedEvent,
} from '../../runtime/agent-worker.events';

/**
 * The stream of what agents' consumers do. Metrics, the testing helpers and applications
 * subscribe to it; it never feeds back into message handling.
 *
 * @public
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
