import 'reflect-metadata';
import { IsDefined, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ValidationError } from '../errors/validation.error';

/**
 * Identity of an agent. A missing `instance` means `"default"`.
 *
 * @public
 */
export interface AgentId {
  /** 1–64 characters of `[A-Za-z0-9_.-]`. */
  type: string;
  /** 1–64 characters of `[A-Za-z0-9_.-]`; defaults to `"default"`. */
  instance?: string;
}

/**
 * An {@link AgentId} whose instance is filled in.
 *
 * @public
 */
export interface ResolvedAgentId {
  /** 1–64 characters of `[A-Za-z0-9_.-]`. */
  type: string;
  /** 1–64 characters of `[A-Za-z0-9_.-]`; `"default"` when the id named none. */
  instance: string;
}

/**
 * The instance used when an {@link AgentId} names none.
 *
 * @public
 */
export const DEFAULT_INSTANCE = 'default';

/** Characters allowed in agent types and instances. Keeps keys unambiguous (no `:`, `{`, `}`). */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** class-validator shape of an {@link AgentId}. */
export class AgentIdDto implements AgentId {
  @IsDefined()
  @IsString()
  @Length(1, 64)
  @Matches(AGENT_ID_PATTERN)
  type!: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(AGENT_ID_PATTERN)
  instance?: string;
}

/** Fills in the default instance. Assumes the id was validated. */
export function resolveAgentId(id: AgentId): ResolvedAgentId {
  return { type: id.type, instance: id.instance ?? DEFAULT_INSTANCE };
}

/**
 * `type/instance`: the printable form used in logs, keys and the wire format.
 *
 * @public
 */
export function formatAgentId(id: AgentId): string {
  return `${id.type}/${id.instance ?? DEFAULT_INSTANCE}`;
}

/**
 * Inverse of {@link formatAgentId}; `null` when the text is not a well-formed id.
 *
 * @throws ValidationError when `text` is not a string
 *
 * @public
 */
export function parseAgentId(text: string): ResolvedAgentId | null {
  if (typeof text !== 'string') throw new ValidationError('text', 'isString', 'must be a string');
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const type = text.slice(0, slash);
  const instance = text.slice(slash + 1);
  return AGENT_ID_PATTERN.test(type) && AGENT_ID_PATTERN.test(instance) ? { type, instance } : null;
}

/**
 * Whether two ids name the same agent.
 *
 * @public
 */
export function sameAgent(a: AgentId, b: AgentId): boolean {
  return a.type === b.type && (a.instance ?? DEFAULT_INSTANCE) === (b.instance ?? DEFAULT_INSTANCE);
}
