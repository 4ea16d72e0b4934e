import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { formatAgentId, type AgentId } from '../../common/agent-id';
import { AGENT_COORDINATION_RESOLVED_OPTIONS } from '../module/agent-coordination.constants';
import type { ResolvedModuleOptions } from '../module/agent-coordination-options.resolver';
import { AgentMessageEvents, type MessageHandledEvent } from '../workers/agent-message.events';
import { PrometheusExporter } from './prometheus.exporter';

/**
 * A latency histogram: cumulative counts per upper bound (ms), like Prometheus buckets.
 *
 * @public
 */
export interface LatencyHistogram {
  /** Upper bounds in ms; the last implicit bucket is +Inf. */
  bucketsMs: readonly number[];
  /** `counts[i]`: observations ≤ `bucketsMs[i]`; `counts[bucketsMs.length]`: all of them. */
  counts: number[];
  /** Sum of all observations, ms. */
  sumMs: number;
  /** Number of observations. */
  count: number;
}

/**
 * Counters and latency of one agent since start.
 *
 * @public
 */
export interface AgentMetricsSnapshot {
  /** Deliveries that reached the agent's consumer. */
  received: number;
  /** Settled by acknowledgement. */
  acked: number;
  /** Failed and scheduled for another delivery. */
  retried: number;
  /** Moved to the dead-letter queue (permanent failure, retries spent, no handler). */
  deadLettered: number;
  /** Handler runs that threw or timed out. */
  failed: number;
  /** Left reserved for recovery (reservation lost, Redis failure, shutdown). */
  unsettled: number;
  /** Time from receipt to settlement. */
  latency: LatencyHistogram;
}

/**
 * Per-agent counters (received, acked, retried, dead-lettered, failed) and latency
 * histograms, fed by {@link AgentMessageEvents}; exported to prom-client when the module's
 * `metrics.prometheus` option is on.
 *
 * @public
 */
@Injectable()
export class AgentCoordinationMetrics implements OnModuleDestroy {
  private readonly agents = new Map<string, AgentMetricsSnapshot>();
  private readonly byIdObject = new WeakMap<AgentId, AgentMetricsSnapshot>();
  private readonly subscriptions: Subscription[] = [];
  private readonly exporter: PrometheusExporter | null;

  /** @internal created by Nest's dependency injection */
  constructor(
    events: AgentMessageEvents,
    @Inject(AGENT_COORDINATION_RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {
    this.exporter = options.prometheus
      ? PrometheusExporter.create(options.prometheus, options.latencyBucketsMs)
      : null;
    this.subscriptions.push(
      events.received$.subscribe((event) => {
        this.entry(event.agentId).received += 1;
        this.exporter?.received(event);
      }),
      events.handled$.subscribe((event) => this.record(event)),
    );
  }

  /** Counters of one agent (zeros when it has seen nothing). */
  forAgent(agentId: AgentId): AgentMetricsSnapshot {
    return clone(this.agents.get(formatAgentId(agentId)) ?? this.empty());
  }

  /** Counters of every agent that has seen a message, keyed `type/instance`. */
  snapshot(): Record<string, AgentMetricsSnapshot> {
    return Object.fromEntries([...this.agents].map(([key, value]) => [key, clone(value)]));
  }

  /** The prom-client registry the metrics are exported to, or `null` when export is off. */
  get prometheusRegistry(): unknown {
    return this.exporter?.registry ?? null;
  }

  /** Text exposition of the prom-client registry (for a `/metrics` route). */
  async prometheusText(): Promise<string> {
    return this.exporter ? this.exporter.text() : '';
  }

  /** Stops listening to {@link AgentMessageEvents}; called by Nest when the module is destroyed. */
  onModuleDestroy(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  private record(event: MessageHandledEvent): void {
    const entry = this.entry(event.agentId);
    switch (event.outcome) {
      case 'acked':
        entry.acked += 1;
        break;
      case 'retried':
        entry.retried += 1;
        break;
      case 'dead-lettered':
        entry.deadLettered += 1;
        break;
      case 'unsettled':
        entry.unsettled += 1;
        break;
    }
    if (event.failed) entry.failed += 1;
    const histogram = entry.latency;
    histogram.count += 1;
    histogram.sumMs += event.durationMs;
    const { bucketsMs, counts } = histogram;
    for (let i = 0; i < bucketsMs.length; i++) {
      if (event.durationMs <= bucketsMs[i]) counts[i] += 1;
    }
    counts[bucketsMs.length] += 1;
    this.exporter?.handled(event);
  }

  /**
   * The counters of `agentId`. A worker reports every event with the same id object, so the
   * entry is found by that object first, without formatting the id each time.
   */
  private entry(agentId: AgentId): AgentMetricsSnapshot {
    let entry = this.byIdObject.get(agentId);
    if (entry) return entry;
    const key = formatAgentId(agentId);
    entry = this.agents.get(key);
    if (!entry) {
      entry = this.empty();
      this.agents.set(key, entry);
    }
    this.byIdObject.set(agentId, entry);
    return entry;
  }

  private empty(): AgentMetricsSnapshot {
    const bucketsMs = this.options.latencyBucketsMs;
    return {
      received: 0,
      acked: 0,
      retried: 0,
      deadLettered: 0,
      failed: 0,
      unsettled: 0,
      latency: {
        bucketsMs,
        counts: new Array<number>(bucketsMs.length + 1).fill(0),
        sumMs: 0,
        count: 0,
      },
    };
  }
}

function clone(snapshot: AgentMetricsSnapshot): AgentMetricsSnapshot {
  return { ...snapshot, latency: { ...snapshot.latency, counts: [...snapshot.latency.counts] } };
}
