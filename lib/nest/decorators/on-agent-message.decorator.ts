import { ON_AGENT_MESSAGE_METADATA } from '../module/agent-coordination.constants';
import type { MessageTypeName } from '../../messaging/models/message.enums';
import { DEFAULT_HANDLER_TYPES } from '../../runtime/topic-handler-set';

/**
 * Options of {@link OnAgentMessage}.
 *
 * @public
 */
export interface OnAgentMessageOptions {
  /**
   * Takes only messages whose `routing.topic` matches this pattern: dot-separated segments,
   * each a literal (`[A-Za-z0-9_:-]+`), `*` (exactly one segment) or, last only, `#` (zero or
   * more segments), at most 256 characters. The most specific matching pattern of the agent
   * wins (see `TopicHandlerSet`). Without a topic, the handler takes the messages of its types
   * that carry no topic or one no pattern of the agent matches.
   */
  topic?: string;
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

/**
 * The single-argument form of {@link OnAgentMessage}: the options and the message types.
 *
 * @public
 */
export interface OnAgentMessageBinding extends OnAgentMessageOptions {
  /** The message types the method handles. Default REQUEST and EVENT. */
  types?: MessageTypeName | MessageTypeName[];
}

/** What `@OnAgentMessage()` records on a method. */
export interface OnAgentMessageMetadata {
  /** The message types the method handles. */
  types: MessageTypeName[];
  /** The options given to the decorator, `types` left out; `{}` when none. */
  options: OnAgentMessageOptions;
}

/**
 * Binds a method of an `@Agent()` provider to one or more message types, and optionally to a
 * topic pattern:
 *
 * ```ts
 * @OnAgentMessage(MessageType.EVENT)              // EVENTs no topic handler below takes
 * @OnAgentMessage({ topic: 'orders.create' })     // REQUESTs and EVENTs on orders.create
 * @OnAgentMessage('request', { topic: 'orders.*' }) // REQUESTs on orders.<one segment>
 * ```
 *
 * Its return value acknowledges the message (and answers a REQUEST); a thrown
 * `PermanentMessageError` dead-letters it; any other error retries it after backoff. A message
 * that no handler of the agent takes is dead-lettered with code `NO_HANDLER`.
 *
 * The method receives `(payload, context)`, or whatever `@AgentPayload()` /
 * `@AgentContext()` parameters ask for, through Nest's guards, interceptors and pipes.
 *
 * @public
 */
export function OnAgentMessage(
  types: MessageTypeName | MessageTypeName[],
  options?: OnAgentMessageOptions,
): MethodDecorator;
/**
 * Binds a method by an options object; `types` defaults to REQUEST and EVENT.
 *
 * @public
 */
export function OnAgentMessage(binding: OnAgentMessageBinding): MethodDecorator;
export function OnAgentMessage(
  typesOrBinding: MessageTypeName | MessageTypeName[] | OnAgentMessageBinding,
  options: OnAgentMessageOptions = {},
): MethodDecorator {
  const entry = metadataOf(typesOrBinding, options);
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const existing =
      (Reflect.getMetadata(ON_AGENT_MESSAGE_METADATA, descriptor.value as object) as
        OnAgentMessageMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(
      ON_AGENT_MESSAGE_METADATA,
      [...existing, { types: [...entry.types], options: { ...entry.options } }],
      descriptor.value as object,
    );
    return descriptor;
  };
}

function metadataOf(
  typesOrBinding: MessageTypeName | MessageTypeName[] | OnAgentMessageBinding,
  options: OnAgentMessageOptions,
): OnAgentMessageMetadata {
  if (
    typeof typesOrBinding === 'object' &&
    typesOrBinding !== null &&
    !Array.isArray(typesOrBinding)
  ) {
    const { types = [...DEFAULT_HANDLER_TYPES], ...rest } = typesOrBinding;
    return { types: Array.isArray(types) ? types : [types], options: rest };
  }
  return {
    types: Array.isArray(typesOrBinding) ? typesOrBinding : [typesOrBinding],
    options,
  };
}
