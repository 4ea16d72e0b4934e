import { sleep } from '../common/sleep';
import { randomBytes } from 'node:crypto';
import { RequestTimeoutError, ClosedError, OperationAbortedError } from '../errors';
import type { ResolvedAgentId } from '../common/agent-id';
import type { AgentMessage } from './models/agent-message';
import { MessageType } from './models/message.enums';
import type { ReceivedMessage } from './models/queue-message';
import { errorOfReply } from './error-reply';

/** Agent type of reply inboxes; each coordinator has one instance of it. */
export const REPLY_INBOX_TYPE = '_replies';

/** The coordinator operations an inbox needs. */
export interface InboxTransport {
  receive(
    agent: ResolvedAgentId,
    visibilityTimeoutMs: number,
    options: { waitMs: number; signal: AbortSignal },
  ): Promise<ReceivedMessage | null>;
  ack(agent: ResolvedAgentId, token: string): Promise<boolean>;
  /** Sets the time to live of every key of the inbox's queue. */
  expire(agent: ResolvedAgentId, ttlMs: number): Promise<unknown>;
  /** Deletes every key of the inbox's queue. */
  remove(agent: ResolvedAgentId): Promise<unknown>;
}

interface Pending {
  /** Message id of the REQUEST, named by its errors. */
  requestId: string;
  resolve(message: AgentMessage): void;
  reject(error: Error): void;
}

const INBOX_WAIT_MS = 1_000;
const INBOX_VISIBILITY_MS = 30_000;
const INBOX_ERROR_BACKOFF_MS = 100;

/**
 * Where RESPONSE messages to this coordinator's `request()` calls arrive: a queue of its own
 * (`_replies/<random>`), drained by one loop that runs only while requests are waiting.
 *
 * Its keys expire: each RESPONSE sent to it sets their time to live (the sender does), the
 * loop sets it again with each acknowledgement and every third of it while requests wait,
 * and {@link close} deletes them. The inbox of a process that died is gone within the time
 * to live; one left idle may expire too, which loses nothing (an idle inbox holds only the
 * de-duplication memory of answers already taken).
 */
export class ReplyInbox {
  /** The agent id put in `replyTo`. */
  readonly agent: ResolvedAgentId = {
    type: REPLY_INBOX_TYPE,
    instance: randomBytes(8).toString('hex'),
  };
  private readonly pending = new Map<string, Pending>();
  private loop: Promise<void> = Promise.resolve();
  private running = false;
  private readonly stop = new AbortController();
  /** Whether a request was made, so that the inbox may have keys. */
  private used = false;
  private lastExpire = Number.NEGATIVE_INFINITY;

  /** @param ttlMs time to live of the inbox's keys */
  constructor(
    private readonly transport: InboxTransport,
    private readonly ttlMs: number,
  ) {}

  /**
   * Registers interest in `correlationId`, runs `send`, and resolves with the RESPONSE; an
   * error RESPONSE rejects with `AgentRequestError`.
   *
   * @param messageId the REQUEST's message id, named by the timeout and request errors
   *   (the correlation id when not given)
   */
  async await(
    correlationId: string,
    timeoutMs: number,
    send: () => Promise<void>,
    signal?: AbortSignal,
    messageId?: string,
  ): Promise<AgentMessage> {
    if (this.stop.signal.aborted) throw new ClosedError('MessageCoordinator');
    this.used = true;
    const response = new Promise<AgentMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(() => reject(new RequestTimeoutError(correlationId, timeoutMs, messageId))),
        timeoutMs,
      );
      timer.unref();
      const onAbort = (): void =>
        settle(() => reject(new OperationAbortedError('request', signal?.reason)));
      const settle = (action: () => void): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(correlationId);
        action();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(correlationId, {
        requestId: messageId ?? correlationId,
        resolve: (message) => settle(() => resolve(message)),
        reject: (error) => settle(() => reject(error)),
      });
    });
    // The caller handles `response` only once the send is done; an abort, timeout or close
    // meanwhile must not surface as an unhandled rejection (the caller still gets it).
    response.catch(() => undefined);
    if (!this.running) {
      this.running = true;
      this.loop = this.drain();
    }
    try {
      await send();
    } catch (error) {
      this.pending.get(correlationId)?.reject(error as Error);
    }
    return response;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0 && !this.stop.signal.aborted) {
        await this.takeOne();
      }
    } finally {
      // Cleared in the same turn as the loop's last check, so a request arriving later restarts it.
      this.running = false;
    }
  }

  private async takeOne(): Promise<void> {
    try {
      const delivery = await this.transport.receive(this.agent, INBOX_VISIBILITY_MS, {
        waitMs: INBOX_WAIT_MS,
        signal: this.stop.signal,
      });
      if (!delivery) {
        if (Date.now() - this.lastExpire >= this.ttlMs / 3) await this.refresh();
        return;
      }
      // Sent together, in this order: the expiry also covers the keys the reserve and the
      // acknowledgement may have created.
      await Promise.all([this.transport.ack(this.agent, delivery.token), this.refresh()]);
      const message = delivery.queueMessage.message;
      if (message.messageType === MessageType.RESPONSE && message.correlationId !== undefined) {
        const pending = this.pending.get(message.correlationId);
        const failed = pending && errorOfReply(message, pending.requestId);
        if (failed) pending.reject(failed);
        else pending?.resolve(message);
      }
    } catch {
      await sleep(INBOX_ERROR_BACKOFF_MS, this.stop.signal);
    }
  }

  private async refresh(): Promise<void> {
    this.lastExpire = Date.now();
    await this.transport.expire(this.agent, this.ttlMs);
  }

  /**
   * Rejects every waiting request, stops the loop and deletes the inbox's keys (best effort:
   * with Redis away they expire on their own).
   */
  async close(): Promise<void> {
    this.stop.abort();
    for (const pending of [...this.pending.values()])
      pending.reject(new ClosedError('MessageCoordinator'));
    await this.loop;
    if (this.used) await this.transport.remove(this.agent).catch(() => undefined);
  }
}
