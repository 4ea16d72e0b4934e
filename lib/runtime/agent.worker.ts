import { setMaxListeners } from 'node:events';
import { sleep } from '../common/sleep';
import { ClosedError, ConfigurationError, OperationAbortedError } from '../errors';
import { TickBatcher } from '../common/tick-batcher';
import type { AckAndReceiveResult, MessageCoordinator } from '../messaging/message-coordinator';
import { formatAgentId, type ResolvedAgentId } from '../common/agent-id';
import type { ReceivedMessage } from '../messaging/models/queue-message';
import { MAX_RECEIVE_MANY } from '../messaging/redis-message-coordinator';
import {
  resolveWorkerOptions,
  type AgentWorkerOptions,
  type ResolvedWorkerOptions,
} from './agent-worker.options';
import { MessageDispatcher, type Acknowledge } from './message.dispatcher';
import { singleHandler, type AgentHandlerSet, type AgentMessageHandler } from './message-handler';
import { PrefetchBuffer, type Prefetched } from './prefetch-buffer';
import { TimerWheel } from './timer-wheel';

/**
 * What a worker is doing, for status snapshots and health checks.
 *
 * @public
 */
export interface AgentWorkerStatus {
  /** The loop is receiving. */
  running: boolean;
  /** Deliveries whose handlers are running. */
  inFlight: number;
  /** Deliveries taken since start. */
  received: number;
  /** Consecutive Redis failures of the loop (0 when healthy). */
  consecutiveErrors: number;
}

/**
 * What {@link AgentWorker.close} found.
 *
 * @public
 */
export interface AgentWorkerCloseResult {
  /** Deliveries still running when the grace period ran out, left reserved for recovery. */
  abandoned: number;
}

/**
 * Runs one agent's receive loop in any Node program: the one loop of the package (the Nest
 * module's consumers are workers too).
 *
 * A single loop reserves messages with a blocking `receive` while fewer than `concurrency`
 * handlers run; each handled message is acknowledged with `ackAndReceive`, which reserves the
 * agent's next message in the same round trip, so a busy agent runs up to `concurrency` chains
 * of handlers at one script call per message and waits on one blocking connection only.
 * Handlers that finish in the same turn of the event loop (their messages arrived together)
 * are acknowledged together, in one `ackAndReceiveMany` call that reserves each its next
 * message; with `prefetch`, the same calls also keep that many messages reserved ahead.
 * Expired reservations are returned to the queue every `recoverIntervalMs`, busy or not.
 * {@link close} interrupts the wait, gives prefetched messages back, drains running handlers
 * for up to `shutdownTimeoutMs`, and leaves anything unfinished reserved for the next consumer.
 *
 * The worker never closes the coordinator it was given.
 *
 * @public
 */
export class AgentWorker {
  /** The validated options, defaults filled in. */
  readonly options: Readonly<ResolvedWorkerOptions>;
  private readonly dispatcher: MessageDispatcher;
  private readonly stopReceiving = new AbortController();
  private readonly abandon = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private closing: Promise<AgentWorkerCloseResult> | undefined;
  private lastRecovery = Number.NEGATIVE_INFINITY;
  /** Handlers running now (counted with prefetch, to know how many messages to reserve). */
  private running = 0;
  private received = 0;
  private consecutiveErrors = 0;
  private readonly stopping = aborted(this.stopReceiving.signal);
  private readonly prefetched: PrefetchBuffer;
  /** Acknowledgements made in the same turn go to Redis together. */
  private readonly settlements = new TickBatcher<string, AckAndReceiveResult>((tokens) =>
    this.settle(tokens),
  );
  /** Acknowledgements under way that no chain waits for (with prefetch). */
  private readonly settling = new Set<Promise<void>>();
  /** Gives-back of messages that arrived for the buffer after the worker stopped. */
  private readonly lateReleases = new Set<Promise<void>>();

  /**
   * @param handler one function for every message, or a set that picks one per message
   * @throws ValidationError for a bad agent id; ConfigurationError for other bad options
   */
  constructor(
    private readonly coordinator: MessageCoordinator,
    options: AgentWorkerOptions,
    handler: AgentMessageHandler | AgentHandlerSet,
  ) {
    this.options = resolveWorkerOptions(options);
    if (typeof handler !== 'function' && typeof handler?.handlerFor !== 'function') {
      throw new ConfigurationError(
        'handler',
        'isFunction',
        'must be a function or an object with handlerFor()',
      );
    }
    const handlers = typeof handler === 'function' ? singleHandler(handler) : handler;
    // One timer for every deadline of the worker: extensions, time limits, the buffer's.
    const wheel = new TimerWheel();
    this.dispatcher = new MessageDispatcher(coordinator, this.options, handlers, wheel);
    this.prefetched = new PrefetchBuffer(coordinator, this.options, wheel);
    // Each running handler listens to `abandon`: allow the whole concurrency, and a margin,
    // before Node reports a listener leak.
    setMaxListeners(this.options.concurrency + 10, this.abandon.signal);
  }

  /** The agent this worker serves. */
  get agent(): ResolvedAgentId {
    return this.options.agent;
  }

  /**
   * Starts the loop (once).
   *
   * @throws ClosedError after {@link close}
   */
  start(): void {
    if (this.stopReceiving.signal.aborted) throw new ClosedError('AgentWorker');
    this.loop ??= this.run();
  }

  /** A snapshot of the loop's state. */
  status(): AgentWorkerStatus {
    return {
      running: this.loop !== undefined && !this.stopReceiving.signal.aborted,
      inFlight: this.inFlight.size,
      received: this.received,
      consecutiveErrors: this.consecutiveErrors,
    };
  }

  /**
   * Stops receiving, gives prefetched messages that no handler started back to the queue, and
   * waits for running handlers up to `shutdownTimeoutMs`; what did not finish stays reserved
   * and is recovered by the next consumer. Calling it again returns the same result.
   */
  close(): Promise<AgentWorkerCloseResult> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<AgentWorkerCloseResult> {
    const { shutdownTimeoutMs, logger } = this.options;
    this.stopReceiving.abort();
    await this.loop;
    await this.prefetched.release();
    const drained = await settleWithin([...this.inFlight, ...this.settling], shutdownTimeoutMs);
    await Promise.all(this.lateReleases);
    if (drained) return { abandoned: 0 };
    const abandoned = this.inFlight.size;
    this.abandon.abort(new OperationAbortedError('message handler', 'shutdown'));
    logger.warn(
      `${formatAgentId(this.agent)}: ${abandoned} handler(s) still running after ${shutdownTimeoutMs} ms; their messages stay reserved and will be recovered`,
    );
    return { abandoned };
  }

  private async run(): Promise<void> {
    const { concurrency, visibilityTimeoutMs, receiveWaitMs, errorBackoffMs } = this.options;
    const signal = this.stopReceiving.signal;
    while (!signal.aborted) {
      try {
        await this.recoverWhenDue();
        const free = concurrency - this.inFlight.size;
        if (free <= 0) {
          await this.untilSlotOrRecovery();
          continue;
        }
        const ask = Math.min(free, MAX_RECEIVE_MANY);
        const extra =
          this.options.prefetch === 0
            ? 0
            : Math.max(
                0,
                Math.min(this.prefetched.wanted(this.running) - ask, MAX_RECEIVE_MANY - ask),
              );
        if (ask + extra === 1) {
          const delivery = await this.coordinator.receive(this.agent, visibilityTimeoutMs, {
            waitMs: receiveWaitMs,
            signal,
          });
          this.consecutiveErrors = 0;
          if (delivery) this.startChain(delivery);
          continue;
        }
        // Free slots (and the buffer) filled in one script call when messages are waiting.
        const deliveries = await this.prefetched.fill(extra, () =>
          this.coordinator.receiveMany(this.agent, ask + extra, visibilityTimeoutMs, {
            waitMs: receiveWaitMs,
            signal,
          }),
        );
        this.consecutiveErrors = 0;
        for (const delivery of deliveries.slice(0, ask)) this.startChain(delivery);
        this.keep(deliveries.slice(ask));
      } catch (error) {
        if (signal.aborted) break;
        this.consecutiveErrors += 1;
        this.options.logger.warn(
          `${formatAgentId(this.agent)}: receive failed: ${(error as Error).message}`,
        );
        await sleep(errorBackoffMs, signal);
      }
    }
  }

  /**
   * Handles `first`, then the next message its acknowledgement reserved (or the oldest
   * prefetched one), until none is left or the worker stops. A message reserved while stopping
   * is handled like any other: nothing is dropped.
   */
  private startChain(first: ReceivedMessage, heldMs = 0): void {
    const chain = this.runChain(first, heldMs).finally(() => {
      this.inFlight.delete(chain);
      this.pump();
    });
    this.inFlight.add(chain);
  }

  /**
   * Starts chains on prefetched messages while slots are free, so that a message never waits
   * in the buffer beside a free slot (the loop itself only receives).
   */
  private pump(): void {
    while (this.inFlight.size < this.options.concurrency && !this.stopReceiving.signal.aborted) {
      const waiting = this.prefetched.take();
      if (!waiting) return;
      this.startChain(waiting.delivery, waiting.heldMs);
    }
  }

  private async runChain(first: ReceivedMessage, heldMs: number): Promise<void> {
    const stopping = this.stopReceiving.signal;
    const { concurrency, prefetch, visibilityTimeoutMs } = this.options;
    const prefetching = prefetch > 0;
    // A lone chain has nothing to share its call with: it need not wait for the turn to end.
    const alone = concurrency === 1 && !prefetching;
    let next: ReceivedMessage | null = null;
    let handlerDone: (() => void) | undefined;
    // One acknowledge per chain, not per message.
    const acknowledge: Acknowledge = async (token) => {
      handlerDone?.();
      if (stopping.aborted) return this.coordinator.ack(this.agent, token);
      const result = alone
        ? await this.coordinator.ackAndReceive(this.agent, token, visibilityTimeoutMs)
        : await this.settlements.add(token);
      next = result.next;
      return result.acknowledged;
    };
    let delivery: Prefetched | undefined = { delivery: first, heldMs };
    while (delivery) {
      this.received += 1;
      next = null;
      const dispatching = this.dispatcher.dispatch(
        delivery.delivery,
        this.abandon.signal,
        acknowledge,
        delivery.heldMs,
      );
      if (prefetching) {
        // With a prefetch buffer, the next handler starts as soon as this one is done; its
        // acknowledgement runs on (and shares a call with those of the same turn).
        this.running += 1;
        await new Promise<void>((resolve) => {
          handlerDone = resolve;
          void dispatching.then(resolve);
        });
        this.running -= 1;
        handlerDone = undefined;
        delivery = stopping.aborted ? undefined : this.prefetched.take();
        if (delivery) {
          this.track(dispatching);
          continue;
        }
      }
      // Without one, or with the buffer empty, the acknowledgement brings the next message.
      await dispatching;
      delivery = next
        ? { delivery: next, heldMs: 0 }
        : stopping.aborted
          ? undefined
          : this.prefetched.take();
    }
  }

  /** Keeps an acknowledgement the chain did not wait for in view of {@link close}. */
  private track(dispatching: Promise<void>): void {
    const settling = dispatching.finally(() => this.settling.delete(settling));
    this.settling.add(settling);
  }

  /**
   * Acknowledges the tokens of one turn and reserves more: one `ackAndReceive` for a single
   * token, else one `ackAndReceiveMany`. Without prefetch each chain gets its next message
   * from the call; with prefetch the call refills the buffer, which the chains draw from.
   * Once the worker stops, it acknowledges only.
   */
  private async settle(tokens: string[]): Promise<AckAndReceiveResult[]> {
    const { agent, visibilityTimeoutMs, prefetch } = this.options;
    const stopped = this.stopReceiving.signal.aborted;
    const want = stopped ? 0 : prefetch > 0 ? this.prefetched.wanted(this.running) : tokens.length;
    if (want === 0) {
      const acked = await Promise.all(tokens.map((token) => this.coordinator.ack(agent, token)));
      return acked.map((acknowledged) => ({ acknowledged, next: null }));
    }
    if (tokens.length === 1 && want === 1 && prefetch === 0) {
      return [await this.coordinator.ackAndReceive(agent, tokens[0], visibilityTimeoutMs)];
    }
    const reserve = Math.min(want, MAX_RECEIVE_MANY);
    if (prefetch > 0) {
      const { acknowledged, next } = await this.prefetched.fill(reserve, () =>
        this.coordinator.ackAndReceiveMany(agent, tokens, reserve, visibilityTimeoutMs),
      );
      this.keep(next);
      return acknowledged.map((acked) => ({ acknowledged: acked, next: null }));
    }
    const { acknowledged, next } = await this.coordinator.ackAndReceiveMany(
      agent,
      tokens,
      reserve,
      visibilityTimeoutMs,
    );
    return tokens.map((_, i) => ({ acknowledged: acknowledged[i], next: next[i] ?? null }));
  }

  /** Puts deliveries in the prefetch buffer, or gives them back once the worker stopped. */
  private keep(deliveries: ReceivedMessage[]): void {
    if (deliveries.length === 0) return;
    if (!this.stopReceiving.signal.aborted) {
      this.prefetched.push(deliveries);
      this.pump();
      return;
    }
    const release = this.prefetched
      .release(deliveries)
      .finally(() => this.lateReleases.delete(release));
    this.lateReleases.add(release);
  }

  /** Waits until a chain ends, the worker stops, or the next recovery is due. */
  private async untilSlotOrRecovery(): Promise<void> {
    const interval = this.options.recoverIntervalMs;
    const cancel = new AbortController();
    const waits: Promise<void>[] = [...this.inFlight, this.stopping];
    if (interval > 0) {
      const due = this.lastRecovery + interval - Date.now();
      waits.push(sleep(Math.max(0, due), cancel.signal));
    }
    try {
      await Promise.race(waits);
    } finally {
      cancel.abort();
    }
  }

  private async recoverWhenDue(): Promise<void> {
    const interval = this.options.recoverIntervalMs;
    if (interval === 0 || Date.now() - this.lastRecovery < interval) return;
    this.lastRecovery = Date.now();
    const moved = await this.coordinator.recoverPending(this.agent);
    if (moved > 0) {
      this.options.logger.log(
        `${formatAgentId(this.agent)}: recovered ${moved} expired reservation(s)`,
      );
    }
  }
}

/** Whether every task settled within `ms`; the timer never keeps the process alive. */
async function settleWithin(tasks: Promise<unknown>[], ms: number): Promise<boolean> {
  if (tasks.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.allSettled(tasks).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `signal` fires; made before it can have fired. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
