import { Subject, type Observable } from 'rxjs';
import { duplicateWatched } from '../common/connection-monitor';
import { KeyLayout } from '../common/key-layout';
import { silentLogger, type CoordinationLogger } from '../common/logger';
import { optionsObject } from '../common/validate';
import type { RedisClient } from '../common/redis-client';
import { ClosedError, ConfigurationError, RedisOperationError } from '../errors';
import { CircuitBreaker } from './circuit-breaker';
import {
  assertBreakerName,
  resolveCircuitBreakerConfig,
  sameBreakerConfig,
  type CircuitBreakerConfig,
  type CircuitState,
} from './circuit-breaker.config';
import { decodeStateChange, type CircuitStateChange } from './circuit-breaker.events';
import {
  resolveCircuitBreakerOptions,
  type CircuitBreakerOptions,
} from './circuit-breaker.options';

/**
 * A breaker's shared state as {@link CircuitBreakerRegistry.inspect} reads it.
 *
 * @public
 */
export interface SharedBreakerSnapshot {
  /** The breaker's name, as asked for. */
  name: string;
  /** `closed` when the breaker has no stored state. */
  state: CircuitState;
  /** Consecutive failures counted while closed (0 once the breaker opens). */
  failures: number;
  /**
   * While open or half-open: the failure count the breaker opened on (the consecutive failures
   * while closed, 1 for a failed half-open probe); null when closed or stored by an older version.
   */
  openedOnFailures: number | null;
  /** Epoch ms (Redis clock) the current state began, or null when never stored. */
  changedAt: number | null;
}

/**
 * Options of {@link CircuitBreakerRegistry}.
 *
 * @public
 */
export interface CircuitBreakerRegistryOptions extends Partial<CircuitBreakerOptions> {
  /** Config every breaker starts from; a `get` config overrides it field by field. */
  defaults?: Partial<CircuitBreakerConfig>;
  /**
   * Listen on the breaker channel (on a duplicated connection this registry opens and
   * closes), so breakers emit other processes' transitions without making a call.
   * Default true.
   */
  subscribeEvents?: boolean;
  /**
   * Hears about every state change of the registry's breakers (at warn, with the stack of
   * the failure that opened one) and about the subscriber connection (once per state).
   * Default {@link silentLogger}.
   */
  logger?: CoordinationLogger;
}

/**
 * Gets or creates circuit breakers by name. Breakers of the same name share their state
 * through Redis with every other registry, in any process, on the same key prefix.
 *
 * @public
 */
export class CircuitBreakerRegistry {
  /** State changes of every breaker of this registry. */
  readonly stateChanges$: Observable<CircuitStateChange>;

  private readonly options: CircuitBreakerOptions;
  private readonly defaults: Partial<CircuitBreakerConfig>;
  private readonly keys: KeyLayout;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly changes = new Subject<CircuitStateChange>();
  private readonly logger: CoordinationLogger;
  private subscriber: RedisClient | null = null;
  private readonly subscribed: Promise<void>;
  private closed = false;

  /**
   * @param redis a `Redis` or `Cluster` connection the caller owns (never closed here)
   * @throws ConfigurationError for bad options or defaults
   */
  constructor(
    private readonly redis: RedisClient,
    options: CircuitBreakerRegistryOptions = {},
  ) {
    const {
      defaults = {},
      subscribeEvents = true,
      logger,
      ...breakerOptions
    } = optionsObject(options, 'options');
    this.logger = logger ?? silentLogger;
    this.options = resolveCircuitBreakerOptions(breakerOptions);
    resolveCircuitBreakerConfig({}, defaults, 'defaults');
    this.defaults = defaults;
    this.keys = new KeyLayout(this.options.keyPrefix);
    this.stateChanges$ = this.changes.asObservable();
    this.subscribed = subscribeEvents ? this.listen() : Promise.resolve();
    this.subscribed.catch((error: Error) => this.options.onError(error));
  }

  /**
   * The breaker of that name, created on first use with `config` over the registry's
   * defaults. Asking again with a different config is an error rather than silently
   * getting the first one's.
   *
   * @throws ValidationError for a bad name; ConfigurationError for a bad or conflicting config;
   *   ClosedError after {@link close}
   */
  async get(name: string, config?: Partial<CircuitBreakerConfig>): Promise<CircuitBreaker> {
    if (this.closed) throw new ClosedError('CircuitBreakerRegistry');
    assertBreakerName(name);
    const resolved = resolveCircuitBreakerConfig(config, this.defaults);
    const existing = this.breakers.get(name);
    if (existing) {
      if (config !== undefined && !sameBreakerConfig(existing.config, resolved)) {
        throw new ConfigurationError(
          'config',
          'conflict',
          `breaker ${name} already exists with a different config`,
        );
      }
      return existing;
    }
    const breaker = new CircuitBreaker(this.redis, name, resolved, this.options);
    this.breakers.set(name, breaker);
    breaker.stateChanges$.subscribe((change) => {
      this.logger.warn(
        `circuit breaker ${change.name}: ${change.from} -> ${change.to} (${change.source})`,
        change.cause,
      );
      this.changes.next(change);
    });
    await Promise.all([this.bounded(this.subscribed).catch(() => undefined), this.index(name)]);
    return breaker;
  }

  /** Breakers created by this registry, in creation order. */
  list(): CircuitBreaker[] {
    return [...this.breakers.values()];
  }

  /**
   * Names of every breaker any registry on this prefix has created, sorted.
   *
   * @throws RedisOperationError when Redis cannot be read
   */
  async listNames(): Promise<string[]> {
    try {
      return (await this.redis.smembers(this.keys.breakerIndex)).sort();
    } catch (error) {
      throw new RedisOperationError('listNames', error);
    }
  }

  /**
   * The shared state of a breaker as stored in Redis, read without changing it (time-driven
   * transitions such as open → half-open are applied only by the next call). For operators.
   *
   * @throws ValidationError for a bad name; RedisOperationError when Redis cannot be read
   */
  async inspect(name: string): Promise<SharedBreakerSnapshot> {
    assertBreakerName(name);
    let hash: Record<string, string>;
    try {
      hash = await this.redis.hgetall(this.keys.breaker(name));
    } catch (error) {
      throw new RedisOperationError('inspect', error);
    }
    const since = Number(hash.since);
    return {
      name,
      state: (hash.state as CircuitState | undefined) ?? 'closed',
      failures: Number(hash.failures ?? 0),
      openedOnFailures: hash.openedOnFailures === undefined ? null : Number(hash.openedOnFailures),
      changedAt: Number.isFinite(since) ? since : null,
    };
  }

  /** Resets every breaker of this registry (for every process); returns how many. */
  async resetAll(): Promise<number> {
    const breakers = this.list();
    await Promise.all(breakers.map((breaker) => breaker.reset()));
    return breakers.length;
  }

  /**
   * Stops listening, completes the event streams and forgets the breakers (which keep
   * guarding calls). Leaves the caller's connection open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) {
      await this.subscribed.catch(() => undefined);
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
    for (const breaker of this.breakers.values()) breaker.close();
    this.breakers.clear();
    this.changes.complete();
  }

  private async listen(): Promise<void> {
    // Connection trouble is logged once per state by the monitor, not per reconnect attempt.
    const subscriber = duplicateWatched(this.redis, this.logger);
    this.subscriber = subscriber;
    const channel = this.keys.breakerChannel;
    // The subscriber listens on this one channel only, so every message is a state change.
    subscriber.on('message', (_channel: string, text: string) => {
      const event = decodeStateChange(text);
      if (event) this.breakers.get(event.name)?.notePublished(event);
    });
    await subscriber.subscribe(channel);
  }

  /** Adds a name to the index; Redis trouble is reported, never fatal (breakers work without it). */
  private async index(name: string): Promise<void> {
    try {
      await this.bounded(this.redis.sadd(this.keys.breakerIndex, name));
    } catch (error) {
      this.options.onError(new RedisOperationError('get', error));
    }
  }

  /** Waits for `work` at most the command timeout (then resolves without its value). */
  private bounded<T>(work: Promise<T>): Promise<T | void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.commandTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
