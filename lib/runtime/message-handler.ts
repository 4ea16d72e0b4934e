import type { AgentMessage, JsonObject } from '../messaging/models/agent-message';
import type { AgentMessageContext } from './agent-message.context';

/**
 * Handles one message: return to acknowledge it (a REQUEST is answered with the returned
 * value), throw `PermanentMessageError` to dead-letter it, throw anything else to retry it.
 *
 * @public
 */
export type AgentMessageHandler = (payload: JsonObject, context: AgentMessageContext) => unknown;

/**
 * A handler with its own settings, as an {@link AgentHandlerSet} returns it.
 *
 * @public
 */
export interface AgentHandlerEntry {
  /** Runs the handler. */
  readonly handle: AgentMessageHandler;
  /** Overrides the worker's `handlerTimeoutMs` for this handler. */
  readonly timeoutMs?: number;
  /**
   * For a REQUEST with `replyTo`, send the return value back as the RESPONSE. Default true;
   * off when the handler answers through `context.reply()` itself.
   */
  readonly replyWithResult?: boolean;
}

/**
 * Several handlers of one agent, chosen per message. `TopicHandlerSet` chooses by message
 * type and topic; the Nest module builds one from an agent's `@OnAgentMessage()` methods.
 *
 * @public
 */
export interface AgentHandlerSet {
  /** The handler for `message`; `undefined` dead-letters it as having no handler. */
  handlerFor(message: AgentMessage): AgentHandlerEntry | undefined;
  /** What the agent handles, named in the dead-letter reason of a message it does not. */
  readonly handles: string;
}

/** The handler set of a worker given a single function: it takes every message. */
export function singleHandler(handle: AgentMessageHandler): AgentHandlerSet {
  const entry: AgentHandlerEntry = { handle };
  return { handlerFor: () => entry, handles: 'every message' };
}
