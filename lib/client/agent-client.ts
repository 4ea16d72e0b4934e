import type { MessageCoordinator, OutgoingMessage } from '../messaging/message-coordinator';
import type { ResolvedAgentId } from '../common/agent-id';
import type { JsonObject } from '../messaging/models/agent-message';
import { MessageType } from '../messaging/models/message.enums';
import type { MessageResult } from '../messaging/models/queue-message';
import { ConfigurationError } from '../errors';
import {
  assertTopic,
  knownOptions,
  REQUEST_OPTIONS,
  resolveClientOptions,
  SEND_OPTIONS,
  type AgentClientOptions,
  type AgentRequestOptions,
  type AgentSendOptions,
} from './agent-client.options';
import { assertAgentClientPayload, type AgentClientPayload } from './agent-client.payload';

/**
 * Talks to one agent on behalf of one sender: `send(topic, payload)` for events,
 * `request<TReply>(topic, payload)` for answers. The topic travels as the message's
 * `routing.topic`; payloads are plain objects or class instances (DTOs), sent as JSON (see
 * {@link AgentClientPayload}). Works on any {@link MessageCoordinator}; in Nest, inject one
 * with `@InjectAgentClient(target)`.
 *
 * ```ts
 * const billing = new AgentClient(coordinator, { target: 'billing', sender: { type: 'shop' } });
 * const invoice = await billing.request<InvoiceReply>('invoices.create', new CreateInvoiceDto(42));
 * ```
 *
 * @beta
 */
export class AgentClient {
  /** The agent every message goes to, its instance filled in. */
  readonly target: ResolvedAgentId;
  /** The sender of every message, its instance filled in. */
  readonly sender: ResolvedAgentId;
  /** Timeout of {@link request} when a call names none. */
  readonly defaultTimeoutMs: number;

  /**
   * @param coordinator sends the messages; the client never closes it
   * @throws ValidationError for a bad target or sender id; ConfigurationError for other bad
   *   options or something that is not a coordinator
   */
  constructor(
    private readonly coordinator: MessageCoordinator,
    options: AgentClientOptions,
  ) {
    if (
      typeof coordinator?.sendMessage !== 'function' ||
      typeof coordinator.request !== 'function'
    ) {
      throw new ConfigurationError(
        'coordinator',
        'isMessageCoordinator',
        'must be a MessageCoordinator',
      );
    }
    const resolved = resolveClientOptions(options);
    this.target = resolved.target;
    this.sender = resolved.sender;
    this.defaultTimeoutMs = resolved.defaultTimeoutMs;
  }

  /**
   * Sends an EVENT with `routing.topic` = `topic` to the target. Resolves with the send's
   * result: `delivered: false` with the reason (e.g. `queue full`, Redis trouble) rather than a
   * rejection, as {@link MessageCoordinator.sendMessage} does.
   *
   * @throws ValidationError (a rejection) for a bad topic, a payload JSON cannot carry exactly
   *   (naming its path), or a bad option value; ConfigurationError for an unknown option
   */
  async send(
    topic: string,
    payload: AgentClientPayload,
    options?: AgentSendOptions,
  ): Promise<MessageResult> {
    const given = knownOptions(options, SEND_OPTIONS, 'options');
    const message = this.message(MessageType.EVENT, topic, payload, given);
    return this.coordinator.sendMessage(this.sender, this.target, message);
  }

  /**
   * Sends a REQUEST with `routing.topic` = `topic` to the target and resolves with the payload
   * of its RESPONSE, typed `TReply` (as the caller states it: the reply is not checked against
   * the type).
   *
   * @throws AgentRequestError (a rejection) when the agent failed the request for good, with
   *   its error code and message; RequestTimeoutError naming the request's message id when no
   *   answer came within `timeoutMs`; OperationAbortedError when `signal` fired;
   *   RedisOperationError when it could not be sent; ValidationError and ConfigurationError
   *   as {@link send}, and for a bad `timeoutMs` or `signal`
   */
  async request<TReply extends object = JsonObject>(
    topic: string,
    payload: AgentClientPayload,
    options?: AgentRequestOptions,
  ): Promise<TReply> {
    const { timeoutMs, signal, ...fields } = knownOptions(options, REQUEST_OPTIONS, 'options');
    const message = this.message(MessageType.REQUEST, topic, payload, fields);
    const response = await this.coordinator.request(this.sender, this.target, message, {
      timeoutMs: timeoutMs ?? this.defaultTimeoutMs,
      signal,
    });
    return response.payload as TReply;
  }

  private message(
    messageType: MessageType,
    topic: string,
    payload: AgentClientPayload,
    options: AgentSendOptions,
  ): OutgoingMessage {
    const routing = { topic: assertTopic(topic), tags: options.tags ?? [] };
    const { tags: _tags, ...fields } = options;
    return { ...fields, messageType, payload: assertAgentClientPayload(payload), routing };
  }
}
