import { performance } from 'node:perf_hooks';
import {
  AcquireResult,
  RecordResult,
  type BreakerReply,
  type CallOutcome,
} from './breaker-scripts';
import type { CircuitBreakerConfig, CircuitState } from './circuit-breaker.config';
import { RollingWindow } from './rolling-window';

/**
 * The breaker's state machine in process memory: the same transitions as the Lua scripts, on
 * a monotonic local clock. It mirrors the last state Redis reported and takes over while
 * Redis is unreachable, so the guarded call never depends on Redis being up.
 */
export class LocalBreakerState {
  private state: CircuitState = 'closed';
  private gen = 0;
  private since: number;
  private failures = 0;
  private probes = 0;
  private probeOk = 0;
  /** The failure-rate rule, when configured. */
  private readonly rate: { threshold: number; window: RollingWindow } | null;

  constructor(
    private readonly config: CircuitBreakerConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.since = now();
    this.rate =
      config.failureRateThreshold === undefined
        ? null
        : {
            threshold: config.failureRateThreshold,
            window: new RollingWindow(config.rollingWindowMs),
          };
  }

  /** The current generation (bumped by every transition). */
  get generation(): number {
    return this.gen;
  }

  /** Takes over what Redis reported, when it differs from what this mirror holds. */
  adopt(reply: BreakerReply): void {
    if (reply.gen === this.gen && reply.state === this.state) return;
    this.state = reply.state;
    this.gen = reply.gen;
    this.since = this.now() - reply.elapsedMs;
    this.failures = 0;
    this.probes = 0;
    this.probeOk = 0;
    this.rate?.window.clear();
  }

  /** Same contract as `acquire-permit-1.lua`; `peek` takes no probe slot. */
  acquire(peek = false): BreakerReply<AcquireResult> {
    const now = this.now();
    let from: CircuitState | null = null;
    const move = (to: CircuitState): void => {
      from ??= this.state;
      this.moveTo(to, now);
    };
    if (this.state === 'half_open' && now - this.since >= this.config.recoveryTimeoutMs) {
      move('open');
    }
    if (this.state === 'open' && now - this.since >= this.config.openTimeoutMs) move('half_open');
    let code = AcquireResult.ADMITTED;
    if (this.state === 'open') code = AcquireResult.REJECTED_OPEN;
    else if (this.state === 'half_open') {
      if (this.probes < this.config.halfOpenMaxCalls) {
        code = AcquireResult.PROBE;
        if (!peek) this.probes++;
      } else code = AcquireResult.REJECTED_HALF_OPEN_FULL;
    }
    return this.reply(code, from, now);
  }

  /** Same contract as `record-outcome-1.lua`. */
  record(outcome: CallOutcome, gen: number): BreakerReply<RecordResult> {
    const now = this.now();
    if (outcome === 'trip') {
      if (this.state !== 'closed') return this.reply(RecordResult.STALE, null, now);
      return this.transition('open', RecordResult.OPENED, now);
    }
    if (gen !== this.gen) return this.reply(RecordResult.STALE, null, now);
    if (this.state === 'closed') {
      const failed = outcome === 'failure';
      this.failures = failed ? this.failures + 1 : 0;
      const rateTrips = this.countTowardsRate(now, failed);
      if (failed && (this.failures >= this.config.failureThreshold || rateTrips)) {
        return this.transition('open', RecordResult.OPENED, now);
      }
      return this.reply(RecordResult.RECORDED, null, now);
    }
    if (this.state === 'half_open') {
      if (outcome === 'failure') return this.transition('open', RecordResult.OPENED, now);
      this.probeOk++;
      if (this.probeOk >= this.config.successThreshold) {
        return this.transition('closed', RecordResult.CLOSED, now);
      }
      return this.reply(RecordResult.RECORDED, null, now);
    }
    return this.reply(RecordResult.STALE, null, now);
  }

  /** Adds the outcome to the rolling window; true when it makes the failure rate trip. */
  private countTowardsRate(now: number, failed: boolean): boolean {
    if (this.rate === null) return false;
    const totals = this.rate.window.add(now, failed);
    return (
      failed &&
      totals.calls >= this.config.minimumCalls &&
      totals.failures >= this.rate.threshold * totals.calls
    );
  }

  /** Same contract as `reset-breaker-1.lua`. */
  reset(): BreakerReply<RecordResult> {
    const now = this.now();
    const from = this.state === 'closed' ? null : this.state;
    this.moveTo('closed', now);
    return this.reply(RecordResult.RECORDED, from, now);
  }

  private transition(
    to: CircuitState,
    code: RecordResult,
    now: number,
  ): BreakerReply<RecordResult> {
    const from = this.state;
    this.moveTo(to, now);
    return this.reply(code, from, now);
  }

  private moveTo(to: CircuitState, now: number): void {
    this.state = to;
    this.gen++;
    this.since = now;
    this.failures = 0;
    this.probes = 0;
    this.probeOk = 0;
    this.rate?.window.clear();
  }

  private reply<C extends number>(
    code: C,
    from: CircuitState | null,
    now: number,
  ): BreakerReply<C> {
    return {
      code,
      state: this.state,
      gen: this.gen,
      elapsedMs: Math.max(0, Math.floor(now - this.since)),
      from,
    };
  }
}
