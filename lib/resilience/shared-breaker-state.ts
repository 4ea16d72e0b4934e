import { runLuaScript, type LuaScript } from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { RedisOperationError } from '../errors';
import {
  ACQUIRE_CODES,
  BreakerScripts,
  RECORD_CODES,
  parseBreakerReply,
  type AcquireResult,
  type BreakerReply,
  type CallOutcome,
  type RecordResult,
} from './breaker-scripts';
import type { CircuitBreakerConfig } from './circuit-breaker.config';
import { BREAKER_STATE_TTL_MS } from './circuit-breaker.options';
import { WINDOW_BUCKETS, bucketLength } from './rolling-window';

/** Connection states in which a command would only wait in ioredis's offline queue. */
const DOWN_STATUSES: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/**
 * One breaker's hash in Redis, changed only through its scripts. Every round trip is bounded
 * by `timeoutMs`; a command that would wait on a dead connection fails at once instead.
 */
export class SharedBreakerState {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly config: CircuitBreakerConfig,
    private readonly timeoutMs: number,
  ) {}

  /** Whether the connection is up (or connecting for the first time). */
  get reachable(): boolean {
    const status = (this.redis as { status?: string }).status;
    return status === undefined || !DOWN_STATUSES.has(status);
  }

  /** Runs `acquire-permit`; `peek` takes no probe slot and writes nothing. */
  async acquire(peek: boolean): Promise<BreakerReply<AcquireResult>> {
    const c = this.config;
    const raw = await this.run('acquirePermit', BreakerScripts.acquirePermit, [
      peek ? 'peek' : 'acquire',
      c.openTimeoutMs,
      c.halfOpenMaxCalls,
      c.recoveryTimeoutMs,
      BREAKER_STATE_TTL_MS,
    ]);
    return parseBreakerReply('acquirePermit', raw, ACQUIRE_CODES);
  }

  /** Runs `record-outcome` for a call admitted in generation `gen`. */
  async record(outcome: CallOutcome, gen: number): Promise<BreakerReply<RecordResult>> {
    const c = this.config;
    const rate = c.failureRateThreshold;
    const raw = await this.run('recordOutcome', BreakerScripts.recordOutcome, [
      outcome,
      gen,
      c.failureThreshold,
      c.successThreshold,
      BREAKER_STATE_TTL_MS,
      rate === undefined ? 0 : bucketLength(c.rollingWindowMs),
      WINDOW_BUCKETS,
      c.minimumCalls,
      rate === undefined ? 10_000 : Math.max(1, Math.round(rate * 10_000)),
    ]);
    return parseBreakerReply('recordOutcome', raw, RECORD_CODES);
  }

  /** Runs `reset-breaker`. */
  async reset(): Promise<BreakerReply<RecordResult>> {
    const raw = await this.run('resetBreaker', BreakerScripts.resetBreaker, [BREAKER_STATE_TTL_MS]);
    return parseBreakerReply('resetBreaker', raw, RECORD_CODES);
  }

  /** Publishes on `channel`, bounded like every other round trip. */
  async publish(channel: string, message: string): Promise<void> {
    await this.bounded('publish', this.redis.publish(channel, message));
  }

  private run(operation: string, script: LuaScript, args: (string | number)[]): Promise<unknown> {
    if (!this.reachable) {
      return Promise.reject(new RedisOperationError(operation, 'connection is down'));
    }
    return this.bounded(operation, runLuaScript(this.redis, script, [this.key], args));
  }

  private bounded<T>(operation: string, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new RedisOperationError(operation, `no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(new RedisOperationError(operation, error));
        },
      );
    });
  }
}
