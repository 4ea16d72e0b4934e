import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import { MessageCoordinator, type OutgoingMessage } from '../messaging/message-coordinator';
import type { AgentId } from '../common/agent-id';
import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import { MessageType } from '../messaging/models/message.enums';
import type { QueueMessage, QueueStats } from '../messaging/models/queue-message';
import { AgentMessageEvents, type MessageHandledEvent } from '../nest/workers/agent-message.events';

/**
 * The sender used when a test does not name one.
 *
 * @public
 */
export const TEST_SENDER: AgentId = { type: 'test-sender' };

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * A message as a test writes it: type defaults to EVENT, the rest as in `sendMessage`.
 *
 * @public
 */
export type TestMessage = Partial<OutgoingMessage> & {
  /** The JSON object payload: the one field a test must give. */
  payload: JsonObject;
};

/**
 * Options of {@link AgentTestingClient.deliver}.
 *
 * @public
 */
export interface DeliverOptions {
  /** Who sends it. Default {@link TEST_SENDER}. */
  sender?: AgentId;
  /** Wait until the delivery reaches this outcome (e.g. `dead-lettered` after retries); default: the first one. */
  until?: MessageHandledEvent['outcome'];
  /** Give up after this long. Default 5 000 ms. */
  timeoutMs?: number;
}

/**
 * Drives agents in tests: sends a message, waits for the agent's consumer to settle it, and
 * reports how (acked, retried, dead-lettered). Works on the real Redis too.
 *
 * @public
 */
@Injectable()
export class AgentTestingClient {
  constructor(
    /** The coordinator of the application under test. */
    readonly coordinator: MessageCoordinator,
    private readonly events: AgentMessageEvents,
  ) {}

  /**
   * Sends `message` to `agent` and resolves with the settlement of its delivery.
   *
   * @throws Error when the message is not accepted or not handled in time
   */
  async deliver(
    agent: AgentId,
    message: TestMessage,
    options: DeliverOptions = {},
  ): Promise<MessageHandledEvent> {
    const messageId = message.messageId ?? `test-${randomUUID()}`;
    const settled = this.waitFor(messageId, options.until, options.timeoutMs);
    // When the send fails nobody awaits `settled`: keep its later rejection from going unhandled.
    settled.catch(() => undefined);
    const result = await this.coordinator.sendMessage(options.sender ?? TEST_SENDER, agent, {
      messageType: MessageType.EVENT,
      ...message,
      messageId,
    });
    if (!result.delivered)
      throw new Error(`message ${messageId} was not accepted: ${result.error}`);
    return settled;
  }

  /** Sends a REQUEST to `agent` and resolves with the payload of its RESPONSE. */
  async request<R extends JsonObject = JsonObject>(
    agent: AgentId,
    payload: JsonObject,
    options: { sender?: AgentId; timeoutMs?: number } = {},
  ): Promise<R> {
    const response: AgentMessage = await this.coordinator.request(
      options.sender ?? TEST_SENDER,
      agent,
      { messageType: MessageType.REQUEST, payload },
      { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    return response.payload as R;
  }

  /** Resolves with the next settlement of `messageId` (matching `outcome` when given). */
  waitFor(
    messageId: string,
    outcome?: MessageHandledEvent['outcome'],
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<MessageHandledEvent> {
    return firstValueFrom(
      this.events.handled$.pipe(
        filter(
          (event) =>
            event.messageId === messageId && (outcome === undefined || event.outcome === outcome),
        ),
        take(1),
        timeout({
          first: timeoutMs,
          with: () => {
            throw new Error(
              `message ${messageId} was not ${outcome ?? 'settled'} within ${timeoutMs} ms`,
            );
          },
        }),
      ),
    );
  }

  /** The agent's dead letters. */
  deadLetters(agent: AgentId): Promise<QueueMessage[]> {
    return this.coordinator.deadLetters(agent);
  }

  /** The agent's queue counts. */
  stats(agent: AgentId): Promise<QueueStats> {
    return this.coordinator.stats(agent);
  }
}
