import { ON_AGENT_MESSAGE_METADATA } from '../agent-coordination.constants';
import type { MessageType } from '../../messaging/models/message.enums';

/** A message type as an enum member or its string value. */
export type MessageTypeName = MessageType | `${MessageType}`;

/** Options of {@link OnAgentMessage}. */
export interface OnAgentMessageOptions {
  /**
   * Longest run of the handler: past it the handler's signal fires; once the handler has
   * settled, a failure is retried as a `timeout` failure (its reservation is kept until then,
   * so the message never runs twice at once). Default: no limit.
   */
  timeoutMs?: number;
  /**
   * For a REQUEST with `replyTo`, send the handler's return value back as the RESPONSE.
   * Default true; turn off when the handler answers through `context.reply()` itself.
   */
  replyWithResult?: boolean;
}

/** What `@OnAgentMessage()` records on a method. */
export interface OnAgentMessageMetadata {
  /** The message types the method handles. */
  types: MessageTypeName[];
  /** The options given to the decorator; `{}` when none. */
  options: OnAgentMessageOptions;
}

/**
 * Binds a method of an `@Agent()` provider to one or more message types. Its return value
 * acknowledges the message (and answers a REQUEST); a thrown `PermanentMessageError`
 * dead-letters it; any other error retries it after backoff.
 *
 * The method receives `(payload, context)`, or whatever `@AgentPayload()` /
 * `@AgentContext()` parameters ask for, through Nest's guards, interceptors and pipes.
 */
export function OnAgentMessage(
  types: MessageTypeName | MessageTypeName[],
  options: OnAgentMessageOptions = {},
): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const list = Array.isArray(types) ? types : [types];
    const existing =
      (Reflect.getMetadata(ON_AGENT_MESSAGE_METADATA, descriptor.value as object) as
        OnAgentMessageMetadata[] | undefined) ?? [];
    const entry: OnAgentMessageMetadata = { types: [...list], options: { ...options } };
    Reflect.defineMetadata(
      ON_AGENT_MESSAGE_METADATA,
      [...existing, entry],
      descriptor.value as object,
    );
    return descriptor;
  };
}
