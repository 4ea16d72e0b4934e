import { loadLuaScript } from '../common/lua-script';
import { UnexpectedScriptResultError, type QuotaLimitReason } from '../errors';

const dir = `${__dirname}/scripts`;

/** The quota's Lua scripts. Each takes the six keys of one quota (`KeyLayout.quota`). */
export const QuotaScripts = {
  acquire: loadLuaScript(dir, 'acquire-quota-6.lua'),
  settle: loadLuaScript(dir, 'settle-lease-6.lua'),
  penalise: loadLuaScript(dir, 'penalise-quota-6.lua'),
  leaveLine: loadLuaScript(dir, 'leave-line-6.lua'),
  inspect: loadLuaScript(dir, 'inspect-quota-6.lua'),
} as const;

/** Result codes of `acquire-quota`. */
export enum AcquireQuotaResult {
  ADMITTED = 1,
  QUEUED = 2,
  PENALISED = 3,
  REQUEST_LIMIT = 4,
  TOKEN_LIMIT = 5,
  CONCURRENCY_LIMIT = 6,
}

/** The limit each refusal code stands for. */
export const REFUSAL_REASONS: Record<number, QuotaLimitReason> = {
  [AcquireQuotaResult.QUEUED]: 'queue',
  [AcquireQuotaResult.PENALISED]: 'penalty',
  [AcquireQuotaResult.REQUEST_LIMIT]: 'requests',
  [AcquireQuotaResult.TOKEN_LIMIT]: 'tokens',
  [AcquireQuotaResult.CONCURRENCY_LIMIT]: 'concurrency',
};

/** The reply of `acquire-quota`. */
export interface AcquireQuotaReply {
  code: AcquireQuotaResult;
  /** Admitted: the lease TTL; refused: ms until trying again may succeed (0 = unknown). */
  ms: number;
  /** The arrival number the caller's seat stands for (0 = none). */
  seq: number;
  /** The seat at the head of the line afterwards, or ''. */
  head: string;
  /** The Redis clock, ms. */
  now: number;
}

/** The reply of `settle-lease`. */
export interface SettleLeaseReply {
  released: boolean;
  charged: boolean;
  head: string;
  /** The Redis clock, ms. */
  now: number;
}

const wholeNumbers = (values: unknown[]): values is number[] =>
  values.every((value) => typeof value === 'number' && Number.isSafeInteger(value));

/**
 * Reads `acquire-quota`'s reply.
 *
 * @throws UnexpectedScriptResultError when it does not have that shape
 */
export function parseAcquireReply(raw: unknown): AcquireQuotaReply {
  if (Array.isArray(raw) && raw.length === 5 && typeof raw[3] === 'string') {
    const [code, ms, seq, head, now] = raw as [number, number, number, string, number];
    if (wholeNumbers([code, ms, seq, now]) && code >= 1 && code <= 6) {
      return { code, ms, seq, head, now };
    }
  }
  throw new UnexpectedScriptResultError('acquireQuota', raw);
}

/**
 * Reads `settle-lease`'s reply.
 *
 * @throws UnexpectedScriptResultError when it does not have that shape
 */
export function parseSettleReply(raw: unknown): SettleLeaseReply {
  if (Array.isArray(raw) && raw.length === 4 && typeof raw[2] === 'string') {
    const [released, charged, head, now] = raw as [number, number, string, number];
    if ([0, 1].includes(released) && [0, 1].includes(charged) && wholeNumbers([now])) {
      return { released: released === 1, charged: charged === 1, head, now };
    }
  }
  throw new UnexpectedScriptResultError('settleLease', raw);
}
