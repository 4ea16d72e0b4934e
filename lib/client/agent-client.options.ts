import { assertInteger, optionsObject } from '../common/validate';
import { ConfigurationError, ValidationError } from '../errors';
import { MAX_TIMEOUT_MS } from '../messaging/coordinator.options';
import type { AgentId, ResolvedAgentId } from '../common/agent-id';
import { MAX_TOPIC_LENGTH } from '../messaging/models/agent-message';
import type { MessagePriority } from '../messaging/models/message.enums';
import { validateAgentId } from '../messaging/outgoing-message';

/**
 * The agent a client talks to: an {@link AgentId}, or an agent type (its `default` instance).
 *
 * @beta
 */
export type AgentTarget = AgentId | string;

/**
 * Options of an {@link AgentClient}.
 *
 * @beta
 */
export interface AgentClientOptions {
  /** The agent every message goes to. */
  target: AgentTarget;
  /** Who sends them: the `sender` of every message. */
  sender: AgentId;
  /** Timeout of {@link AgentClient.request} when a call names none. Default 30 000 ms. */
  defaultTimeoutMs?: number;
}

/**
 * Options of {@link AgentClient.send}: the message fields a caller may set.
 *
 * @beta
 */
export interface AgentSendOptions {
  /** The message id (6–128 characters of `[A-Za-z0-9_.:-]`); generated when absent. */
  messageId?: string;
  /** Default {@link MessagePriority.NORMAL}. */
  priority?: MessagePriority;
  /** Ties the message to others. A request generates one when absent. */
  correlationId?: string;
  /** Deadline, ISO-8601: past it, the agent dead-letters the message unhandled. */
  expiresAt?: string;
  /** `routing.tags`: at most 64, each at most 128 characters. */
  tags?: string[];
}

/**
 * Options of {@link AgentClient.request}.
 *
 * @beta
 */
export interface AgentRequestOptions extends AgentSendOptions {
  /** How long to wait for the reply. Default the client's `defaultTimeoutMs`. */
  timeoutMs?: number;
  /** Stops waiting (rejecting with `OperationAbortedError`) when it fires. */
  signal?: AbortSignal;
}

/**
 * Default of {@link AgentClientOptions.defaultTimeoutMs}.
 *
 * @beta
 */
export const DEFAULT_CLIENT_TIMEOUT_MS = 30_000;

const CLIENT_OPTIONS = new Set(['target', 'sender', 'defaultTimeoutMs']);
/** The options {@link AgentClient.send} knows. */
export const SEND_OPTIONS: ReadonlySet<string> = new Set([
  'messageId',
  'priority',
  'correlationId',
  'expiresAt',
  'tags',
]);
/** The options {@link AgentClient.request} knows. */
export const REQUEST_OPTIONS: ReadonlySet<string> = new Set([
  ...SEND_OPTIONS,
  'timeoutMs',
  'signal',
]);

/** {@link AgentClientOptions} validated, with the ids resolved and defaults filled in. */
export interface ResolvedClientOptions {
  /** The agent every message goes to. */
  target: ResolvedAgentId;
  /** The sender of every message. */
  sender: ResolvedAgentId;
  /** Timeout of requests that name none. */
  defaultTimeoutMs: number;
}

/**
 * Validates a target: an agent type becomes the id of its `default` instance.
 *
 * @throws ValidationError naming `field` (e.g. `target.type`)
 */
export function resolveAgentTarget(target: AgentTarget, field = 'target'): ResolvedAgentId {
  return validateAgentId(typeof target === 'string' ? { type: target } : target, field);
}

/** {@link AgentClientOptions} validated, the sender left out when none was given. */
export type ResolvedClientFields = Omit<ResolvedClientOptions, 'sender'> & {
  sender?: ResolvedAgentId;
};

/**
 * Validates the options of a client whose sender may be given later (the Nest module's
 * identity), naming fields under `label` (e.g. `clients[0].defaultTimeoutMs`).
 *
 * @throws ValidationError for a bad target or sender id; ConfigurationError for other bad
 *   options
 */
export function resolveClientFields(
  options: Partial<AgentClientOptions>,
  label?: string,
): ResolvedClientFields {
  const at = (name: string): string => (label === undefined ? name : `${label}.${name}`);
  const given = knownOptions(options, CLIENT_OPTIONS, label ?? 'options');
  const fields: ResolvedClientFields = {
    target: resolveAgentTarget(given.target!, at('target')),
    defaultTimeoutMs: assertInteger(
      given.defaultTimeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
      at('defaultTimeoutMs'),
      1,
      MAX_TIMEOUT_MS,
    ),
  };
  if (given.sender !== undefined) fields.sender = validateAgentId(given.sender, at('sender'));
  return fields;
}

/**
 * Validates the options of a client.
 *
 * @throws ValidationError for a bad or missing target or sender; ConfigurationError for other
 *   bad options
 */
export function resolveClientOptions(options: AgentClientOptions): ResolvedClientOptions {
  const { sender, ...fields } = resolveClientFields(options);
  if (sender === undefined) throw new ValidationError('sender', 'isDefined', 'is required');
  return { ...fields, sender };
}

/**
 * `options` without its `undefined` fields, refused when it is not an object or names an
 * option not in `known` (a typo would otherwise be ignored).
 *
 * @throws ConfigurationError naming `field` or `field.<name>`
 */
export function knownOptions<T extends object>(
  options: T | undefined,
  known: ReadonlySet<string>,
  field: string,
): Partial<T> {
  const given = optionsObject(options, field);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new ConfigurationError(
        `${field}.${key}`,
        'isKnown',
        `is not one of ${[...known].join(', ')}`,
      );
    }
  }
  return given;
}

/**
 * Checks a topic: a non-empty string of at most 256 characters, as `routing.topic` allows.
 *
 * @throws ValidationError naming `topic`
 */
export function assertTopic(topic: unknown): string {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new ValidationError('topic', 'isString', 'must be a non-empty string');
  }
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw new ValidationError(
      'topic',
      'maxLength',
      `must be at most ${MAX_TOPIC_LENGTH} characters, got ${topic.length}`,
    );
  }
  return topic;
}
