import type * as PromClient from 'prom-client';
import { formatAgentId } from '../../common/agent-id';
import type { PrometheusExportOptions } from '../module/agent-coordination.options';
import type { MessageHandledEvent, MessageReceivedEvent } from '../workers/agent-message.events';
import { loadOptionalPackage } from './optional-package.loader';

type Prom = typeof PromClient;

/**
 * Mirrors the module's metrics into prom-client (an optional peer, loaded only when export
 * is asked for). Metrics already registered under the same names are reused, so several
 * application instances in one process share them.
 */
export class PrometheusExporter {
  private constructor(
    /** The prom-client registry written to. */
    readonly registry: PromClient.Registry,
    private readonly messages: PromClient.Counter<'agent' | 'outcome'>,
    private readonly failures: PromClient.Counter<'agent' | 'type'>,
    private readonly latency: PromClient.Histogram<'agent' | 'type' | 'outcome'>,
  ) {}

  /** Loads prom-client and registers the metrics. @throws ConfigurationError when prom-client is missing */
  static create(
    options: Required<PrometheusExportOptions>,
    bucketsMs: readonly number[],
  ): PrometheusExporter {
    const prom = loadOptionalPackage<Prom>('prom-client', 'metrics.prometheus', true)!;
    const registry = (options.registry as PromClient.Registry | undefined) ?? prom.register;
    const reuse = <M>(name: string, make: () => M): M =>
      (registry.getSingleMetric(name) as M | undefined) ?? make();
    const p = options.prefix;
    const messages = reuse(
      `${p}messages_total`,
      () =>
        new prom.Counter({
          name: `${p}messages_total`,
          help: 'Agent message deliveries by outcome (received, acked, retried, dead-lettered, unsettled)',
          labelNames: ['agent', 'outcome'] as const,
          registers: [registry],
        }),
    );
    const failures = reuse(
      `${p}handler_failures_total`,
      () =>
        new prom.Counter({
          name: `${p}handler_failures_total`,
          help: 'Message handler runs that threw or timed out',
          labelNames: ['agent', 'type'] as const,
          registers: [registry],
        }),
    );
    const latency = reuse(
      `${p}handling_duration_seconds`,
      () =>
        new prom.Histogram({
          name: `${p}handling_duration_seconds`,
          help: 'Time from receipt to settlement of a message',
          labelNames: ['agent', 'type', 'outcome'] as const,
          buckets: bucketsMs.map((ms) => ms / 1000),
          registers: [registry],
        }),
    );
    return new PrometheusExporter(registry, messages, failures, latency);
  }

  /** Counts a delivery. */
  received(event: MessageReceivedEvent): void {
    this.messages.inc({ agent: formatAgentId(event.agentId), outcome: 'received' });
  }

  /** Counts a settlement and observes its latency. */
  handled(event: MessageHandledEvent): void {
    const agent = formatAgentId(event.agentId);
    this.messages.inc({ agent, outcome: event.outcome });
    if (event.failed) this.failures.inc({ agent, type: event.messageType });
    this.latency.observe(
      { agent, type: event.messageType, outcome: event.outcome },
      event.durationMs / 1000,
    );
  }

  /** The registry's text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
