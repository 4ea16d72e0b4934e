import type { INestApplicationContext } from '@nestjs/common';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import {
  Agent,
  AgentCoordinationHealthIndicator,
  AgentCoordinationMetrics,
  AgentMessageContext,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
} from '../../lib';
import { readTraceparent } from '../../lib/nest/observability/agent-coordination.tracing';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-observability');
const exporter = new InMemorySpanExporter();
const promRegistry = new Registry();

@Agent({ type: 'traced' })
class TracedAgent {
  readonly traceparents: (string | undefined)[] = [];

  @OnAgentMessage(MessageType.REQUEST)
  handle(payload: { fail?: boolean }, ctx: AgentMessageContext) {
    this.traceparents.push(readTraceparent(ctx.message));
    // Work done in the handler joins the message's trace.
    trace.getTracer('test').startActiveSpan('inside handler', (span) => span.end());
    if (payload.fail) throw new Error('boom');
    return { ok: true };
  }
}

describe('observability: tracing, metrics, health (e2e)', () => {
  let contextManager: AsyncLocalStorageContextManager;
  let server: INestApplicationContext;
  let sender: INestApplicationContext;

  beforeAll(async () => {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    server = await startAgentApp({
      keyPrefix: prefix,
      providers: [TracedAgent],
      options: { metrics: { prometheus: { registry: promRegistry, prefix: 'e2e_' } } },
    });
    sender = await startAgentApp({ keyPrefix: prefix });
  });

  afterAll(async () => {
    await sender.close();
    await server.close();
    trace.disable();
    context.disable();
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('runs one trace from the sender through the handler in another application', async () => {
    exporter.reset();
    const tracer = trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('user operation', async (root) => {
      await sender
        .get(MessageCoordinator)
        .request(
          { type: 'caller' },
          { type: 'traced' },
          { messageType: MessageType.REQUEST, payload: {} },
          { timeoutMs: 5_000 },
        );
      root.end();
      return root.spanContext().traceId;
    });
    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.find((s) => s.name === name);
    const producer = byName('request traced/default');
    const consumer = byName('process traced/default');
    const inside = byName('inside handler');
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    for (const span of [producer, consumer, inside])
      expect(span?.spanContext().traceId).toBe(traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(inside?.parentSpanContext?.spanId).toBe(consumer?.spanContext().spanId);
    // The context travelled as a W3C traceparent routing tag.
    expect(server.get(TracedAgent).traceparents.at(-1)).toBe(
      `00-${traceId}-${producer!.spanContext().spanId}-01`,
    );
  });

  it('marks the consumer span as failed when the handler throws', async () => {
    exporter.reset();
    const outcomes = new OutcomeRecorder(server);
    await sender.get(MessageCoordinator).sendMessage(
      { type: 'caller' },
      { type: 'traced' },
      {
        messageId: 'fail-span-1',
        messageType: MessageType.REQUEST,
        payload: { fail: true },
      },
    );
    await outcomes.waitFor('fail-span-1');
    const failed = exporter.getFinishedSpans().find((s) => s.name === 'process traced/default');
    expect(failed?.status.code).toBe(2);
    expect(failed?.status.message).toBe('boom');
  });

  it('exports per-agent counters and latency to prom-client', async () => {
    const text = await server.get(AgentCoordinationMetrics).prometheusText();
    expect(text).toMatch(/e2e_messages_total\{agent="traced\/default",outcome="acked"\} [1-9]/);
    expect(text).toMatch(/e2e_messages_total\{agent="traced\/default",outcome="retried"\} 1/);
    expect(text).toMatch(/e2e_handler_failures_total\{agent="traced\/default",type="request"\} 1/);
    expect(text).toMatch(
      /e2e_handling_duration_seconds_count\{agent="traced\/default",type="request",outcome="acked"\} [1-9]/,
    );
    const local = server.get(AgentCoordinationMetrics).forAgent({ type: 'traced' });
    expect(local.failed).toBe(1);
    expect(local.latency.count).toBe(local.received);
  });

  it('reports health for @nestjs/terminus: up with each agent loop', async () => {
    const result = await server.get(AgentCoordinationHealthIndicator).isHealthy('agents');
    expect(result.agents.status).toBe('up');
    expect(result.agents).toMatchObject({
      redis: 'PONG',
      agents: { 'traced/default': { running: true } },
    });
  });
});
