import { randomUUID } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { KeyLayout } from '../common/key-layout';
import type { RedisClient } from '../common/redis-client';
import { CircuitBreakerOpenError, ValidationError } from '../errors';
import {
  AcquireResult,
  RecordResult,
  type BreakerReply,
  type CallOutcome,
} from './breaker-scripts';
import {
  assertBreakerName,
  resolveCircuitBreakerConfig,
  type CircuitBreakerConfig,
  type CircuitState,
} from './circuit-breaker.config';
import type {
  CircuitStateChange,
  PublishedStateChange,
  StateChangeSource,
} from './circuit-breaker.events';
import {
  resolveCircuitBreakerOptions,
  type CircuitBreakerOptions,
} from './circuit-breaker.options';
import { LocalBreakerState } from './local-breaker-state';
import { SharedBreakerState } from './shared-breaker-state';

/**
 * What one breaker instance has seen. Counts are this process's, not summed over processes.
 *
 * @public
 */
export interface CircuitBreakerMetrics {
  /** Breaker name. */
  name: string;
  /** State at the last look (Redis reply, channel event or local fallback). */
  state: CircuitState;
  /** Calls admitted and run (`successful + failed`). */
  total: number;
  /** Admitted calls that failed. */
  failed: number;
  /** Admitted calls that succeeded (including errors `isFailure` did not count). */
  successful: number;
  /** Calls refused because the breaker was open or its probe slots were taken. */
  rejected: number;
  /** State changes this instance observed. */
  stateChanges: number;
  /** Epoch ms of the last failed call, or null. */
  lastFailureTime: number | null;
  /** Epoch ms of the last successful call, or null. */
  lastSuccessTime: number | null;
  /** True while Redis is unreachable and the breaker decides on local state alone. */
  localFallback: boolean;
}

/**
 * Options of {@link CircuitBreaker.call}.
 *
 * @public
 */
export interface CallOptions {
  /** Carried by the rejection error and by state-change events this call causes. */
  correlationId?: string;
}

/**
 * Checks what {@link CircuitBreaker.call} was given before it takes a permit, so a caller's
 * mistake is never counted as a failure of the guarded dependency.
 */
function assertCallArguments(fn: unknown, options: unknown): void {
  if (typeof fn !== 'function') {
    throw new ValidationError('fn', 'isFunction', 'must be a function');
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('options', 'isObject', 'must be an object');
  }
  const { correlationId } = options as CallOptions;
  if (correlationId !== undefined && typeof correlationId !== 'string') {
    throw new ValidationError('options.correlationId', 'isString', 'must be a string');
  }
}

/** A permit to run one call: where it came from and in which generation. */
interface Permit {
  reply: BreakerReply<AcquireResult>;
  viaRedis: boolean;
}

/**
 * A circuit breaker whose state lives in one Redis hash shared by every instance of the same
 * name, in any process. Each transition and each half-open probe slot is taken by one Lua
 * script on the server clock. While Redis is unreachable it runs on a local mirror of the
 * state, reports that in {@link getMetrics}, and publishes a local trip when Redis is back.
 *
 * @public
 */
export class CircuitBreaker {
  /** The resolved config. */
  readonly config: CircuitBreakerConfig;
  /** State changes this instance observes, from its own calls, other processes or the fallback. */
  readonly stateChanges$: Observable<CircuitStateChange>;

  private readonly options: CircuitBreakerOptions;
  private readonly shared: SharedBreakerState;
  private readonly local: LocalBreakerState;
  private readonly changes = new Subject<CircuitStateChange>();
  private readonly channel: string;
  /** Id of this instance on the breaker channel. */
  private readonly origin = randomUUID();
  private lastState: CircuitState = 'closed';
  private sharedGen = -1;
  private fallback = false;
  private nextResyncAt = 0;
  /** The local fallback opened the breaker: tell Redis when it is back. */
  private pendingTrip = false;
  private readonly counts = {
    total: 0,
    failed: 0,
    successful: 0,
    rejected: 0,
    stateChanges: 0,
    lastFailureTime: null as number | null,
    lastSuccessTime: null as number | null,
  };

  /**
   * @param redis a connection the caller owns
   * @param name 1–128 characters of `[A-Za-z0-9_.:-]`
   * @throws ValidationError for a bad name, ConfigurationError for a bad config or option
   */
  constructor(
    redis: RedisClient,
    /** Breaker name, shared by every instance that should share its state. */
    readonly name: string,
    config: Partial<CircuitBreakerConfig> = {},
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    assertBreakerName(name);
    this.config = resolveCircuitBreakerConfig(config);
    this.options = resolveCircuitBreakerOptions(options);
    const keys = new KeyLayout(this.options.keyPrefix);
    this.channel = keys.breakerChannel;
    this.shared = new SharedBreakerState(
      redis,
      keys.breaker(name),
      this.config,
      this.options.commandTimeoutMs,
    );
    this.local = new LocalBreakerState(this.config);
    this.stateChanges$ = this.changes.asObservable();
  }

  /**
   * Runs `fn` if the breaker admits it and records the outcome (in Redis before this
   * returns or rethrows, so a trip is visible to every process by then).
   *
   * @throws ValidationError (before anything is recorded) when `fn` is not a function or
   *   `options` is malformed; CircuitBreakerOpenError when refused; otherwise whatever `fn`
   *   throws
   */
  async call<T>(fn: () => T | Promise<T>, options: CallOptions = {}): Promise<T> {
    assertCallArguments(fn, options);
    const permit = await this.acquire(false, options.correlationId);
    const { code, elapsedMs } = permit.reply;
    if (code === AcquireResult.REJECTED_OPEN || code === AcquireResult.REJECTED_HALF_OPEN_FULL) {
      this.counts.rejected++;
      const open = code === AcquireResult.REJECTED_OPEN;
      const limit = open ? this.config.openTimeoutMs : this.config.recoveryTimeoutMs;
      throw new CircuitBreakerOpenError(
        this.name,
        open ? 'open' : 'half_open',
        Math.max(0, limit - elapsedMs),
        options.correlationId,
      );
    }
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      const counts = this.countsAsFailure(error);
      this.tally(counts);
      const cause = counts && error instanceof Error ? error : undefined;
      await this.settle(permit, counts ? 'failure' : 'success', options.correlationId, cause);
      throw error;
    }
    this.tally(false);
    await this.settle(permit, 'success', options.correlationId);
    return result;
  }

  /**
   * `call(() => fn(...args))`.
   *
   * @throws ValidationError (before anything is recorded) when `fn` is not a function
   */
  async execute<A extends unknown[], T>(
    fn: (...args: A) => T | Promise<T>,
    ...args: A
  ): Promise<T> {
    assertCallArguments(fn, {});
    return this.call(() => fn(...args));
  }

  /**
   * Whether a call made now would be admitted. Advisory: it takes no probe slot, so a call
   * made right after may still be refused.
   */
  async isCallPermitted(): Promise<boolean> {
    const { reply } = await this.acquire(true);
    return reply.code === AcquireResult.ADMITTED || reply.code === AcquireResult.PROBE;
  }

  /** The current state (shared, or local while Redis is unreachable), with timeouts applied. */
  async getState(): Promise<CircuitState> {
    return (await this.acquire(true)).reply.state;
  }

  /** What this instance has seen; see {@link CircuitBreakerMetrics}. */
  getMetrics(): CircuitBreakerMetrics {
    return {
      name: this.name,
      state: this.lastState,
      ...this.counts,
      localFallback: this.fallback,
    };
  }

  /**
   * Closes the breaker for every process and clears its failure counts, whatever its state.
   * Outcomes of calls still in flight are then ignored. Falls back to local state like calls.
   */
  async reset(): Promise<void> {
    const reply = await this.viaRedis(() => this.shared.reset());
    if (reply) this.observe(reply, true);
    else this.observe(this.local.reset(), false);
  }

  /** Calls `listener` on every state change; returns the function that stops it. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void {
    const subscription = this.stateChanges$.subscribe(listener);
    return () => subscription.unsubscribe();
  }

  /**
   * Takes note of a transition another instance published on the breaker channel, in the
   * local mirror too: should Redis go away next, the fallback starts from the state the
   * peer made (just begun), not from the one this instance saw last.
   * @internal called by the registry's channel listener
   */
  notePublished(event: PublishedStateChange): void {
    if (event.origin === this.origin || this.fallback || event.gen <= this.sharedGen) return;
    this.sharedGen = event.gen;
    this.local.adopt({
      code: RecordResult.RECORDED,
      state: event.to,
      gen: event.gen,
      elapsedMs: 0,
      from: event.from,
    });
    this.emit(event.to, 'peer');
  }

  /** Completes {@link stateChanges$}. The breaker still guards calls. */
  close(): void {
    this.changes.complete();
  }

  private async acquire(peek: boolean, correlationId?: string): Promise<Permit> {
    const reply = await this.viaRedis(() => this.shared.acquire(peek));
    if (reply) {
      this.observe(reply, true, correlationId);
      return { reply, viaRedis: true };
    }
    const local = this.local.acquire(peek);
    this.observe(local, false, correlationId);
    return { reply: local, viaRedis: false };
  }

  /** Records an outcome where its permit came from; locally when Redis fails meanwhile. */
  private async settle(
    permit: Permit,
    outcome: CallOutcome,
    correlationId?: string,
    cause?: Error,
  ): Promise<void> {
    const gen = permit.reply.gen;
    const reply = permit.viaRedis
      ? await this.viaRedis(() => this.shared.record(outcome, gen))
      : null;
    if (reply) this.observe(reply, true, correlationId, cause);
    else this.observe(this.local.record(outcome, gen), false, correlationId, cause);
  }

  /**
   * Runs one Redis operation; `null` when Redis is unreachable (the breaker then decides
   * locally). While on local state it tries Redis at most once per resync interval, first
   * publishing a trip the fallback made.
   */
  private async viaRedis<C extends number>(
    work: () => Promise<BreakerReply<C>>,
  ): Promise<BreakerReply<C> | null> {
    if (this.fallback) {
      if (Date.now() < this.nextResyncAt || !this.shared.reachable) return null;
      this.nextResyncAt = Date.now() + this.options.resyncIntervalMs;
    }
    try {
      if (this.fallback && this.pendingTrip) {
        this.observe(await this.shared.record('trip', 0), true);
        this.pendingTrip = false;
      }
      const reply = await work();
      this.fallback = false;
      return reply;
    } catch (error) {
      if (!this.fallback) this.nextResyncAt = Date.now() + this.options.resyncIntervalMs;
      this.fallback = true;
      this.options.onError(error as Error);
      return null;
    }
  }

  private observe(
    reply: BreakerReply<AcquireResult | RecordResult>,
    viaRedis: boolean,
    correlationId?: string,
    cause?: Error,
  ): void {
    if (!viaRedis) {
      if (reply.from !== null && reply.state === 'open') this.pendingTrip = true;
      if (reply.state === 'closed') this.pendingTrip = false;
      this.emit(reply.state, 'local', correlationId, cause);
      return;
    }
    this.local.adopt(reply);
    this.sharedGen = Math.max(this.sharedGen, reply.gen);
    if (reply.from === null) {
      this.emit(reply.state, 'peer');
      return;
    }
    this.emit(reply.from, 'peer');
    if (this.emit(reply.state, 'redis', correlationId, cause) && this.options.publishEvents) {
      const event: PublishedStateChange = {
        name: this.name,
        from: reply.from,
        to: reply.state,
        gen: reply.gen,
        origin: this.origin,
      };
      this.shared
        .publish(this.channel, JSON.stringify(event))
        .catch((error: Error) => this.options.onError(error));
    }
  }

  /** Moves the known state to `to`, emitting a change when it differs; true when it did. */
  private emit(
    to: CircuitState,
    source: StateChangeSource,
    correlationId?: string,
    cause?: Error,
  ): boolean {
    const from = this.lastState;
    if (to === from) return false;
    this.lastState = to;
    this.counts.stateChanges++;
    const change: CircuitStateChange = { name: this.name, from, to, source, at: Date.now() };
    if (correlationId !== undefined) change.correlationId = correlationId;
    if (cause !== undefined) change.cause = cause;
    this.changes.next(change);
    return true;
  }

  private countsAsFailure(error: unknown): boolean {
    try {
      return this.config.isFailure?.(error) ?? true;
    } catch {
      return true;
    }
  }

  private tally(failed: boolean): void {
    this.counts.total++;
    if (failed) {
      this.counts.failed++;
      this.counts.lastFailureTime = Date.now();
    } else {
      this.counts.successful++;
      this.counts.lastSuccessTime = Date.now();
    }
  }
}
