import { setMaxListeners } from 'node:events';
import { sleep } from '../common/sleep';
import { Logger } from '@nestjs/common';
import type { MessageCoordinator } from '../messaging/message-coordinator';
import type { ReceivedMessage } from '../messaging/models/queue-message';
import { formatAgentId } from '../messaging/models/agent-id';
import { OperationAbortedError } from '../errors';
import type { AgentDefinition } from './agent.definition';
import type { AgentMessageDispatcher } from './agent-message.dispatcher';

/** What an agent's consumer is doing, for status snapshots and health checks. */
export interface AgentConsumerStatus {
  /** The loop is receiving. */
  running: boolean;
  /** Deliveries whose handlers are running. */
  inFlight: number;
  /** Deliveries taken since start. */
  received: number;
  /** Consecutive Redis failures of the loop (0 when healthy). */
  consecutiveErrors: number;
}

/** What {@link AgentConsumer.stop} found. */
export interface AgentConsumerStopResult {
  /** Deliveries still running when the grace period ran out, left reserved for recovery. */
  abandoned: number;
}

/**
 * The receive loop of one agent. A single loop reserves messages with a blocking `receive`
 * while fewer than `concurrency` handlers run; each handled message is acknowledged with
 * `ackAndReceive`, which reserves the agent's next message in the same round trip, so a busy
 * agent runs up to `concurrency` chains of handlers at one round trip per message and waits
 * on one blocking connection only. Expired reservations are returned to the queue every
 * `recoverIntervalMs`, busy or not. Stopping interrupts the wait, drains running handlers for
 * up to `shutdownTimeoutMs`, and leaves anything unfinished reserved for the next consumer.
 */
export class AgentConsumer {
  private readonly logger = new Logger('AgentCoordination');
  private readonly stopReceiving = new AbortController();
  private readonly abandon = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private lastRecovery = Number.NEGATIVE_INFINITY;
  private received = 0;
  private consecutiveErrors = 0;
  private readonly stopping = aborted(this.stopReceiving.signal);

  constructor(
    /** The agent this loop serves. */
    readonly agent: AgentDefinition,
    private readonly coordinator: MessageCoordinator,
    private readonly dispatcher: AgentMessageDispatcher,
  ) {
    // Each running handler listens to `abandon`: allow the whole concurrency, and a margin,
    // before Node reports a listener leak.
    setMaxListeners(agent.consumer.concurrency + 10, this.abandon.signal);
  }

  /** Starts the loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** A snapshot of the loop's state. */
  status(): AgentConsumerStatus {
    return {
      running: this.loop !== undefined && !this.stopReceiving.signal.aborted,
      inFlight: this.inFlight.size,
      received: this.received,
      consecutiveErrors: this.consecutiveErrors,
    };
  }

  /** Stops receiving and waits for running handlers up to the agent's `shutdownTimeoutMs`. */
  async stop(): Promise<AgentConsumerStopResult> {
    this.stopReceiving.abort();
    await this.loop;
    const drained = await settleWithin([...this.inFlight], this.agent.consumer.shutdownTimeoutMs);
    if (drained) return { abandoned: 0 };
    const abandoned = this.inFlight.size;
    this.abandon.abort(new OperationAbortedError('message handler', 'shutdown'));
    this.logger.warn(
      `${formatAgentId(this.agent.agentId)}: ${abandoned} handler(s) still running after ${this.agent.consumer.shutdownTimeoutMs} ms; their messages stay reserved and will be recovered`,
    );
    return { abandoned };
  }

  private async run(): Promise<void> {
    const { concurrency, visibilityTimeoutMs, receiveWaitMs, errorBackoffMs } = this.agent.consumer;
    const signal = this.stopReceiving.signal;
    while (!signal.aborted) {
      try {
        await this.recoverWhenDue();
        if (this.inFlight.size >= concurrency) {
          await this.untilSlotOrRecovery();
          continue;
        }
        const delivery = await this.coordinator.receive(this.agent.agentId, visibilityTimeoutMs, {
          waitMs: receiveWaitMs,
          signal,
        });
        this.consecutiveErrors = 0;
        if (delivery) this.startChain(delivery);
      } catch (error) {
        if (signal.aborted) break;
        this.consecutiveErrors += 1;
        this.logger.warn(
          `${formatAgentId(this.agent.agentId)}: receive failed: ${(error as Error).message}`,
        );
        await sleep(errorBackoffMs, signal);
      }
    }
  }

  /**
   * Handles `first`, then whatever the acknowledgement reserved next, until the queue has
   * nothing ready or the consumer stops. A message reserved while stopping is handled like
   * any other: nothing is dropped.
   */
  private startChain(first: ReceivedMessage): void {
    const chain = (async () => {
      let delivery: ReceivedMessage | null = first;
      while (delivery) {
        this.received += 1;
        let next: ReceivedMessage | null = null;
        await this.dispatcher.dispatch(this.agent, delivery, this.abandon.signal, async (token) => {
          if (this.stopReceiving.signal.aborted)
            return this.coordinator.ack(this.agent.agentId, token);
          const result = await this.coordinator.ackAndReceive(
            this.agent.agentId,
            token,
            this.agent.consumer.visibilityTimeoutMs,
          );
          next = result.next;
          return result.acknowledged;
        });
        delivery = next;
      }
    })().finally(() => this.inFlight.delete(chain));
    this.inFlight.add(chain);
  }

  /** Waits until a chain ends, the consumer stops, or the next recovery is due. */
  private async untilSlotOrRecovery(): Promise<void> {
    const interval = this.agent.consumer.recoverIntervalMs;
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
    const interval = this.agent.consumer.recoverIntervalMs;
    if (interval === 0 || Date.now() - this.lastRecovery < interval) return;
    this.lastRecovery = Date.now();
    const moved = await this.coordinator.recoverPending(this.agent.agentId);
    if (moved > 0) {
      this.logger.log(
        `${formatAgentId(this.agent.agentId)}: recovered ${moved} expired reservation(s)`,
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
