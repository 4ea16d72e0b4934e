import { randomBytes } from 'node:crypto';
import { KeyLayout, type QuotaKeys } from '../common/key-layout';
import { runLuaScript, type LuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { sleep } from '../common/sleep';
import {
  ClosedError,
  OperationAbortedError,
  QuotaExceededError,
  RedisOperationError,
  UnexpectedScriptResultError,
  ValidationError,
} from '../errors';
import { QuotaLine, type QuotaWaiter } from './quota-line';
import type {
  AcquireQuotaOptions,
  QuotaLease,
  QuotaSettlement,
  QuotaUsage,
} from './quota-registry';
import { QuotaRegistry } from './quota-registry';
import {
  AcquireQuotaResult,
  QuotaScripts,
  REFUSAL_REASONS,
  parseAcquireReply,
  parseSettleReply,
  type AcquireQuotaReply,
} from './quota-scripts';
import {
  resolveQuotaLimits,
  resolveQuotaRegistryOptions,
  type QuotaLimits,
  type QuotaRegistryOptions,
  type ResolvedQuotaLimits,
} from './quota.options';
import { assertAmount, assertName, assertOptions } from './quota.validation';

/** Longest wait, lease TTL or penalty accepted: a day. */
const MAX_MS = 86_400_000;

/** A quota defined in this registry. */
interface Quota {
  name: string;
  keys: QuotaKeys;
  limits: ResolvedQuotaLimits;
  line: QuotaLine;
}

/**
 * {@link QuotaRegistry} on Redis: every decision is one Lua script on the Redis clock over
 * the quota's keys (one hash tag per quota), so limits hold across processes. Waiting
 * processes take a seat in a shared line; the process whose seat comes first is told over
 * pub/sub when capacity comes free, and every waiting process asks again at least every
 * `pollIntervalMs`.
 *
 * @beta
 */
export class RedisQuotaRegistry extends QuotaRegistry {
  private readonly options: QuotaRegistryOptions;
  private readonly layout: KeyLayout;
  private readonly quotas = new Map<string, Quota>();
  /** This registry's seat in every quota's line. */
  private readonly seat = randomBytes(8).toString('hex');
  private subscriber: RedisClient | null = null;
  private readonly subscribed: Promise<void>;
  private closed = false;

  /**
   * @param redis a `Redis` or `Cluster` connection the caller owns (never closed here)
   * @throws ConfigurationError for bad options
   */
  constructor(
    private readonly redis: RedisClient,
    options: Partial<QuotaRegistryOptions> = {},
  ) {
    super();
    this.options = resolveQuotaRegistryOptions(options);
    this.layout = new KeyLayout(this.options.keyPrefix);
    // Never rejects: without a subscription waiters still poll.
    this.subscribed = (this.options.subscribe ? this.listen() : Promise.resolve()).catch(
      (error: Error) => this.options.onError(error),
    );
  }

  /** {@inheritDoc QuotaRegistry.define} */
  define(name: string, limits: QuotaLimits): void {
    assertName(name, 'name');
    const resolved = resolveQuotaLimits(limits);
    const existing = this.quotas.get(name);
    if (existing) {
      existing.limits = resolved;
      return;
    }
    const quota: Quota = {
      name,
      keys: this.layout.quota(name),
      limits: resolved,
      line: new QuotaLine({
        pollIntervalMs: this.options.pollIntervalMs,
        attempt: (waiter, nextSeq) =>
          this.attempt(quota, (waiter as Waiter).request, waiter.seq, nextSeq),
        giveBack: (reply, waiter) => {
          void this.lease(quota, (waiter as Waiter).request, reply)
            .settle({ tokens: 0 })
            .catch((error: Error) => this.options.onError(error));
        },
        leave: () => this.leave(quota),
      }),
    };
    this.quotas.set(name, quota);
  }

  /** {@inheritDoc QuotaRegistry.acquire} */
  async acquire(name: string, options?: AcquireQuotaOptions): Promise<QuotaLease> {
    if (this.closed) throw new ClosedError('QuotaRegistry');
    const quota = this.quota(name);
    const request = this.request(quota, options);
    const { signal } = request;
    if (signal?.aborted) throw new OperationAbortedError('acquire', signal.reason);
    const waits = request.waitMs > 0;
    let seq: number;
    if (quota.line.busy) {
      // Earlier requests of this process wait: this one goes behind them.
      if (!waits) throw this.exceeded(quota, quota.line.last);
      seq = await this.command('acquire', this.redis.hincrby(quota.keys[0], 'seq', 1));
    } else {
      const reply = await this.attempt(quota, request, 0, 0, waits);
      if (reply.code === AcquireQuotaResult.ADMITTED) return this.lease(quota, request, reply);
      const last = { reason: REFUSAL_REASONS[reply.code], retryAfterMs: reply.ms };
      if (!waits) throw this.exceeded(quota, last);
      quota.line.last = last;
      seq = reply.seq;
    }
    // A waiter starts once wake-ups can reach it (or after a poll interval, at the latest).
    await Promise.race([this.subscribed, sleep(this.options.pollIntervalMs)]);
    return this.wait(quota, request, seq);
  }

  /** {@inheritDoc QuotaRegistry.penalise} */
  async penalise(name: string, retryAfterMs: number): Promise<number> {
    const quota = this.quota(name);
    assertAmount(retryAfterMs, 'retryAfterMs', MAX_MS);
    const raw = await this.run('penalise', quota, QuotaScripts.penalise, [
      retryAfterMs,
      this.keepMs(quota),
    ]);
    if (typeof raw !== 'number') throw new UnexpectedScriptResultError('penaliseQuota', raw);
    return raw;
  }

  /** {@inheritDoc QuotaRegistry.usage} */
  async usage(name: string): Promise<QuotaUsage> {
    const quota = this.quota(name);
    const raw = await this.run('usage', quota, QuotaScripts.inspect, [quota.limits.windowMs]);
    if (!Array.isArray(raw) || raw.length !== 5) {
      throw new UnexpectedScriptResultError('inspectQuota', raw);
    }
    const [requests, tokens, holders, waiting, penaltyMs] = (raw as unknown[]).map(Number);
    return { requests, tokens, holders, waiting, penaltyMs };
  }

  /** {@inheritDoc QuotaRegistry.close} */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const quota of this.quotas.values()) quota.line.failAll(new ClosedError('QuotaRegistry'));
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) {
      await this.subscribed;
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
  }

  private quota(name: string): Quota {
    assertName(name, 'name');
    const quota = this.quotas.get(name);
    if (!quota) throw new ValidationError('name', 'defined', `quota ${name} is not defined`);
    return quota;
  }

  private request(quota: Quota, options: AcquireQuotaOptions | undefined): Request {
    const given = assertOptions(options, 'options');
    const { tokensPerMinute } = quota.limits;
    const tokens = assertAmount(
      given.tokens ?? 0,
      'options.tokens',
      tokensPerMinute || Number.MAX_SAFE_INTEGER,
    );
    const waitMs = assertAmount(given.waitMs ?? 0, 'options.waitMs', MAX_MS);
    const leaseTtlMs = assertAmount(
      given.leaseTtlMs ?? this.options.leaseTtlMs,
      'options.leaseTtlMs',
      MAX_MS,
    );
    if (leaseTtlMs === 0)
      throw new ValidationError('options.leaseTtlMs', 'min', 'must be at least 1');
    const signal = given.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new ValidationError('options.signal', 'isAbortSignal', 'must be an AbortSignal');
    }
    return { tokens, waitMs, leaseTtlMs, signal, id: randomBytes(9).toString('base64url') };
  }

  /** Waits in line for the quota; the seat stands for `seq` already. */
  private wait(quota: Quota, request: Request, seq: number): Promise<QuotaLease> {
    return new Promise<QuotaLease>((resolve, reject) => {
      if (this.closed) {
        // Closed while the first attempt was in flight: take the seat back out.
        void this.leave(quota);
        reject(new ClosedError('QuotaRegistry'));
        return;
      }
      const { signal } = request;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        seq,
        request,
        admit: (reply) => {
          done();
          resolve(this.lease(quota, request, reply));
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const giveUp = (error: Error): void => {
        // Every other way out (admitted, failed) has already cleared the timer and listener.
        quota.line.remove(waiter);
        waiter.fail(error);
      };
      const timer = setTimeout(() => giveUp(this.exceeded(quota, quota.line.last)), request.waitMs);
      const onAbort = (): void => giveUp(new OperationAbortedError('acquire', signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      quota.line.add(waiter);
      // Aborted while the first attempt was in flight: no event will fire any more.
      if (signal?.aborted) onAbort();
    });
  }

  private exceeded(
    quota: Quota,
    last: { reason: QuotaExceededError['reason']; retryAfterMs: number },
  ): QuotaExceededError {
    return new QuotaExceededError(quota.name, last.reason, last.retryAfterMs);
  }

  /** Runs `acquire-quota`; `join` hands out an arrival number if refused. */
  private async attempt(
    quota: Quota,
    request: Request,
    seq: number,
    nextSeq: number,
    join = true,
  ): Promise<AcquireQuotaReply> {
    const { limits } = quota;
    const reply = parseAcquireReply(
      await this.run('acquire', quota, QuotaScripts.acquire, [
        request.id,
        request.tokens,
        limits.requestsPerMinute,
        limits.tokensPerMinute,
        limits.concurrency,
        limits.windowMs,
        request.leaseTtlMs,
        join ? this.seat : '',
        seq,
        nextSeq,
        this.options.seatTtlMs,
        this.keepMs(quota, request.leaseTtlMs),
      ]),
    );
    if (reply.code === AcquireQuotaResult.ADMITTED && reply.head !== this.seat) {
      await this.notify(quota, reply.head);
    }
    return reply;
  }

  private lease(quota: Quota, request: Request, reply: AcquireQuotaReply): QuotaLease {
    let settled = false;
    return {
      quotaName: quota.name,
      leaseId: request.id,
      tokens: request.tokens,
      admittedAt: reply.now,
      expiresAt: reply.now + reply.ms,
      settle: async (usage?: { tokens?: number }): Promise<QuotaSettlement> => {
        const given = assertOptions(usage, 'usage');
        const tokens = assertAmount(given.tokens ?? request.tokens, 'usage.tokens');
        if (settled) return { released: false, charged: false, settledAt: 0 };
        settled = true;
        const result = parseSettleReply(
          await this.run('settle', quota, QuotaScripts.settle, [
            request.id,
            tokens,
            quota.limits.windowMs,
          ]),
        );
        await this.notify(quota, result.head);
        return { released: result.released, charged: result.charged, settledAt: result.now };
      },
    };
  }

  /** Takes this registry's seat out of the quota's line; failures only reported. */
  private async leave(quota: Quota): Promise<void> {
    try {
      const head = await this.run('leaveLine', quota, QuotaScripts.leaveLine, [
        this.seat,
        0,
        this.options.seatTtlMs,
      ]);
      await this.notify(quota, String(head));
    } catch (error) {
      this.options.onError(error as Error);
    }
  }

  /** Tells the process whose seat heads the line to try again. */
  private async notify(quota: Quota, head: string): Promise<void> {
    if (head === '') return;
    if (head === this.seat) {
      quota.line.wake();
      return;
    }
    if (!this.options.subscribe) return;
    try {
      await this.redis.publish(this.layout.quotaChannel, `${quota.name} ${head}`);
    } catch (error) {
      // The waiter asks again within its poll interval anyway.
      this.options.onError(new RedisOperationError('notify', error));
    }
  }

  private async listen(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.options.onError(error));
    subscriber.on('message', (_channel: string, text: string) => {
      const [name, seat] = text.split(' ');
      if (seat === this.seat) this.quotas.get(name)?.line.wake();
    });
    await subscriber.subscribe(this.layout.quotaChannel);
  }

  /** How long the quota's keys live after a write: past every window, lease and seat. */
  private keepMs(quota: Quota, leaseTtlMs = this.options.leaseTtlMs): number {
    return (
      quota.limits.windowMs + Math.max(leaseTtlMs, this.options.leaseTtlMs) + this.options.seatTtlMs
    );
  }

  private run(
    operation: string,
    quota: Quota,
    script: LuaScript,
    args: (string | number)[],
  ): Promise<unknown> {
    return this.command(operation, runLuaScript(this.redis, script, quota.keys, args));
  }

  private async command<T>(operation: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw new RedisOperationError(operation, error);
    }
  }
}

/** A validated acquire request. */
interface Request {
  id: string;
  tokens: number;
  waitMs: number;
  leaseTtlMs: number;
  signal?: AbortSignal;
}

/** A waiter of this registry. */
interface Waiter extends QuotaWaiter {
  request: Request;
}
