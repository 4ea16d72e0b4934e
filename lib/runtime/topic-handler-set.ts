import { assertInteger, describeValue } from '../common/validate';
import { ConfigurationError } from '../errors';
import type { AgentMessage } from '../messaging/models/agent-message';
import { MessageType, type MessageTypeName } from '../messaging/models/message.enums';
import type { AgentHandlerEntry, AgentHandlerSet, AgentMessageHandler } from './message-handler';
import { TopicPattern } from './topic-pattern';

/**
 * The message types a handler takes when none are named: REQUEST and EVENT.
 *
 * @beta
 */
export const DEFAULT_HANDLER_TYPES: readonly MessageType[] = Object.freeze([
  MessageType.REQUEST,
  MessageType.EVENT,
]);

const MESSAGE_TYPES = new Set<string>(Object.values(MessageType));
const DAY_MS = 86_400_000;

/**
 * Options of one handler of a {@link TopicHandlerSet}.
 *
 * @beta
 */
export interface TopicHandlerOptions {
  /** The message types it takes. Default {@link DEFAULT_HANDLER_TYPES} (REQUEST and EVENT). */
  types?: MessageTypeName | readonly MessageTypeName[];
  /** Overrides the worker's `handlerTimeoutMs` for this handler (1 ms to a day). */
  timeoutMs?: number;
  /**
   * For a REQUEST with `replyTo`, send the return value back as the RESPONSE. Default true;
   * off when the handler answers through `context.reply()` itself.
   */
  replyWithResult?: boolean;
}

/** The handlers of one message type. */
interface TypeRoutes {
  /** Topic handlers, most specific pattern first. */
  readonly patterns: { readonly pattern: TopicPattern; readonly entry: AgentHandlerEntry }[];
  /** The handler registered without a topic. */
  fallback?: AgentHandlerEntry;
}

/**
 * Handlers chosen per message by message type and topic (`message.routing.topic`), for an
 * `AgentWorker`:
 *
 * ```ts
 * const handlers = new TopicHandlerSet()
 *   .on('orders.created', storeOrder)
 *   .on('orders.*', auditOrder, { types: MessageType.EVENT })
 *   .fallback(handleTheRest);
 * new AgentWorker(coordinator, { agent: { type: 'orders' } }, handlers).start();
 * ```
 *
 * Patterns are dot-separated segments: a literal (`[A-Za-z0-9_:-]+`, case-sensitive), `*`
 * (exactly one segment), or, as the last segment only, `#` (zero or more segments).
 *
 * Choosing a handler for a message of type T:
 * - with a topic: the most specific pattern of T that matches it. Patterns are compared
 *   segment by segment from the left; at the first place they differ a literal beats `*`, `*`
 *   beats `#`, and a pattern that ends beats one that goes on with `#`. So for
 *   `orders.created` the order is `orders.created`, `orders.*`, `orders.#`, `*.created`, `#`.
 *   Two different patterns matching one topic never tie.
 * - without a topic (absent or empty), or with one no pattern of T matches: T's fallback, the
 *   handler registered with {@link TopicHandlerSet.fallback}. An agent with fallbacks only
 *   handles messages as if topics did not exist.
 * - nothing found: the worker dead-letters the message with code `NO_HANDLER`, naming its
 *   topic and {@link TopicHandlerSet.handles} (a REQUEST's caller gets an `AgentRequestError`
 *   at once).
 *
 * The same pattern twice, or two fallbacks, for one message type is a configuration error.
 *
 * @beta
 */
export class TopicHandlerSet implements AgentHandlerSet {
  private readonly routes = new Map<MessageType, TypeRoutes>();

  /**
   * Adds the handler of the messages whose topic matches `pattern` (at most 256 characters).
   *
   * @throws ConfigurationError for a bad pattern (field `topic`; rule `isNotEmpty`, `maxLength`,
   *   `emptySegment`, `matches` or `restLast`), bad options, or a pattern that already has a
   *   handler for one of the types (rule `unique`)
   */
  on(pattern: string, handle: AgentMessageHandler, options: TopicHandlerOptions = {}): this {
    const parsed = TopicPattern.parse(pattern);
    const { types, entry } = checkHandler(handle, options);
    for (const type of types) {
      if (this.routesOf(type).patterns.some((route) => route.pattern.source === parsed.source)) {
        throw new ConfigurationError(
          'topic',
          'unique',
          `"${parsed.source}" already has a handler for ${type} messages`,
        );
      }
    }
    for (const type of types) {
      const { patterns } = this.routesOf(type);
      patterns.push({ pattern: parsed, entry });
      patterns.sort((a, b) => a.pattern.compare(b.pattern));
    }
    return this;
  }

  /**
   * Adds the handler of the messages without a topic, and of those whose topic no pattern
   * of their type matches.
   *
   * @throws ConfigurationError for bad options, or a type that already has a fallback (rule
   *   `unique`)
   */
  fallback(handle: AgentMessageHandler, options: TopicHandlerOptions = {}): this {
    const { types, entry } = checkHandler(handle, options);
    for (const type of types) {
      if (this.routesOf(type).fallback) {
        throw new ConfigurationError(
          'types',
          'unique',
          `${type} messages already have a handler without a topic`,
        );
      }
    }
    for (const type of types) this.routesOf(type).fallback = entry;
    return this;
  }

  /** The handler of `message`, as described on the class; `undefined` when none takes it. */
  handlerFor(message: AgentMessage): AgentHandlerEntry | undefined {
    const routes = this.routes.get(message.messageType);
    if (!routes) return undefined;
    const topic = message.routing?.topic;
    if (!topic) return routes.fallback;
    const segments = topic.split('.');
    return (
      routes.patterns.find(({ pattern }) => pattern.matches(segments))?.entry ?? routes.fallback
    );
  }

  /**
   * What the set handles, per message type in the order first registered: the type alone when
   * it has only a fallback, else its patterns most specific first, `any other` standing for its
   * fallback; e.g. `request (topics orders.created | orders.* | any other), event`. `none`
   * when empty.
   */
  get handles(): string {
    const described = [...this.routes].map(([type, { patterns, fallback }]) => {
      if (patterns.length === 0) return type;
      const topics = patterns.map(({ pattern }) => pattern.source);
      if (fallback) topics.push('any other');
      return `${type} (topics ${topics.join(' | ')})`;
    });
    return described.join(', ') || 'none';
  }

  private routesOf(type: MessageType): TypeRoutes {
    let routes = this.routes.get(type);
    if (!routes) {
      routes = { patterns: [] };
      this.routes.set(type, routes);
    }
    return routes;
  }
}

/**
 * Validates a handler and its options.
 *
 * @throws ConfigurationError naming the offending option
 */
function checkHandler(
  handle: AgentMessageHandler,
  options: TopicHandlerOptions,
): { types: MessageType[]; entry: AgentHandlerEntry } {
  if (typeof handle !== 'function') {
    throw new ConfigurationError('handler', 'isFunction', 'must be a function');
  }
  const given = options.types ?? DEFAULT_HANDLER_TYPES;
  const list: readonly unknown[] = Array.isArray(given) ? given : [given];
  if (list.length === 0) {
    throw new ConfigurationError('types', 'arrayNotEmpty', 'must name at least one message type');
  }
  for (const type of list) {
    if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
      throw new ConfigurationError(
        'types',
        'isEnum',
        `${describeValue(type)} is not a message type (one of ${[...MESSAGE_TYPES].join(', ')})`,
      );
    }
  }
  if (options.timeoutMs !== undefined) assertInteger(options.timeoutMs, 'timeoutMs', 1, DAY_MS);
  return {
    types: [...new Set(list as MessageType[])],
    entry: {
      handle,
      timeoutMs: options.timeoutMs,
      replyWithResult: options.replyWithResult,
    },
  };
}
