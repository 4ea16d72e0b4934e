import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  AgentWorker,
  ConfigurationError,
  MessageType,
  createTracingInstrumentation,
  type MessageHandledEvent,
  type MessageSentEvent,
} from '../../lib';
import { readTraceparent } from '../../lib/nest/observability/agent-coordination.tracing';
import { errorOf } from '../support/errors';
import { waitFor } from '../support/wait';
import { CoordinatorFixture, planner } from './coordinator-fixture';

const fx = new CoordinatorFixture('tracing-hooks');
const exporter = new InMemorySpanExporter();

describe('createTracingInstrumentation: the Nest module’s spans without Nest', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });

  afterAll(async () => {
    await fx.teardown();
    trace.disable();
    context.disable();
  });

  it('traces a request from the sender through an AgentWorker’s handler and its reply, next to metrics hooks', async () => {
    const tracing = createTracingInstrumentation('plain-node')!;
    const sent: MessageSentEvent[] = [];
    const handled: MessageHandledEvent[] = [];
    const coordinator = fx.coordinator({
      instrumentation: { ...tracing.coordinator, sent: (event) => sent.push(event) },
    });
    const agent = { type: 'traced-worker' };
    const carried: (string | undefined)[] = [];
    const worker = new AgentWorker(
      coordinator,
      {
        agent,
        receiveWaitMs: 50,
        instrumentation: { ...tracing.worker, handled: (event) => handled.push(event) },
      },
      (payload, ctx) => {
        carried.push(readTraceparent(ctx.message));
        return { echo: payload.q };
      },
    );
    worker.start();
    try {
      const root = trace.getTracer('test').startSpan('user operation');
      const response = await context.with(trace.setSpan(context.active(), root), () =>
        coordinator.request(
          planner,
          agent,
          { messageType: MessageType.REQUEST, payload: { q: 'hi' } },
          { timeoutMs: 10_000 },
        ),
      );
      root.end();
      expect(response.payload).toEqual({ echo: 'hi' });
      await waitFor('the handled event', () => (handled.length > 0 ? true : undefined));

      const spans = exporter.getFinishedSpans();
      const named = (name: string) => spans.filter((s) => s.name === name);
      const [producer] = named('request traced-worker/default');
      const [consumer] = named('process traced-worker/default');
      const replies = spans.filter((s) => s.name.startsWith('send '));
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(replies.map((s) => s.kind)).toEqual([SpanKind.PRODUCER]);
      expect(producer.instrumentationScope.name).toBe('plain-node');
      expect(producer.attributes).toMatchObject({
        'messaging.system': 'tta-agent-coordination',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'traced-worker/default',
        'agent.message.type': 'request',
      });
      // One trace: the caller's span → request → handler.
      const traceId = root.spanContext().traceId;
      expect([producer, consumer].map((s) => s.spanContext().traceId)).toEqual([traceId, traceId]);
      expect(producer.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
      expect(carried).toEqual([`00-${traceId}-${producer.spanContext().spanId}-01`]);
      // The metrics hooks ran beside the tracing ones.
      expect(sent.map((e) => e.messageType)).toEqual([MessageType.REQUEST, MessageType.RESPONSE]);
      expect(handled.map((e) => e.outcome)).toEqual(['acked']);
    } finally {
      await worker.close();
    }
  });

  it('names the tracer `tta-agent-coordination` by default and refuses an empty name', async () => {
    exporter.reset();
    const coordinator = fx.coordinator({
      instrumentation: createTracingInstrumentation()!.coordinator,
    });
    await coordinator.sendMessage(
      planner,
      { type: 'traced-default' },
      {
        messageType: MessageType.EVENT,
        payload: {},
      },
    );
    expect(exporter.getFinishedSpans().map((s) => s.instrumentationScope.name)).toEqual([
      'tta-agent-coordination',
    ]);
    expect(errorOf(ConfigurationError, () => createTracingInstrumentation('')).field).toBe(
      'tracerName',
    );
  });
});
