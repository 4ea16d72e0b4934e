import { loadLuaScript } from '../common/lua-script';
import { UnexpectedScriptResultError } from '../errors';
import type { CircuitState } from './circuit-breaker.config';

const dir = `${__dirname}/scripts`;

/** The breaker's Lua scripts. Each touches one key: the breaker's hash. */
export const BreakerScripts = {
  acquirePermit: loadLuaScript(dir, 'acquire-permit-1.lua'),
  recordOutcome: loadLuaScript(dir, 'record-outcome-1.lua'),
  resetBreaker: loadLuaScript(dir, 'reset-breaker-1.lua'),
} as const;

/** Result codes of `acquire-permit`. */
export enum AcquireResult {
  ADMITTED = 1,
  PROBE = 2,
  REJECTED_OPEN = 3,
  REJECTED_HALF_OPEN_FULL = 4,
}

/** Result codes of `record-outcome` (and `reset-breaker`, which always answers RECORDED). */
export enum RecordResult {
  RECORDED = 1,
  STALE = 2,
  OPENED = 3,
  CLOSED = 4,
}

/** What the outcome of an admitted call was, as `record-outcome` takes it. */
export type CallOutcome = 'success' | 'failure' | 'trip';

/** Every breaker script, and the local state machine, answers in this shape. */
export interface BreakerReply<C extends number = number> {
  code: C;
  /** State after the operation. */
  state: CircuitState;
  /** Generation after the operation; bumped by every transition. */
  gen: number;
  /** Milliseconds the breaker has been in `state`. */
  elapsedMs: number;
  /** State before, when this operation made a transition; `null` otherwise. */
  from: CircuitState | null;
}

const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/**
 * Reads a script's `{code, state, gen, elapsed, from}` reply.
 *
 * @throws UnexpectedScriptResultError when it does not have that shape
 */
export function parseBreakerReply<C extends number>(
  script: string,
  raw: unknown,
  codes: readonly C[],
): BreakerReply<C> {
  if (Array.isArray(raw) && raw.length === 5) {
    const [code, state, gen, elapsed, from] = raw.map(Number);
    if (
      codes.includes(code as C) &&
      STATES[state] !== undefined &&
      Number.isFinite(gen) &&
      Number.isFinite(elapsed) &&
      (from === -1 || STATES[from] !== undefined)
    ) {
      return {
        code: code as C,
        state: STATES[state],
        gen,
        elapsedMs: Math.max(0, elapsed),
        from: from === -1 ? null : STATES[from],
      };
    }
  }
  throw new UnexpectedScriptResultError(script, raw);
}

/** Codes of {@link AcquireResult}. */
export const ACQUIRE_CODES: readonly AcquireResult[] = [1, 2, 3, 4];
/** Codes of {@link RecordResult}. */
export const RECORD_CODES: readonly RecordResult[] = [1, 2, 3, 4];
