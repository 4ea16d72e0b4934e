import type { INestApplicationContext } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ConfigurationError,
  MessageCoordinator,
  MessageType,
  RedisMessageCoordinator,
  type CoordinatorInstrumentation,
  type MessageSentEvent,
} from '../../lib';
import { readTraceparent } from '../../lib/nest/observability/agent-coordination.tracing';
import { resolveModuleOptions } from '../../lib/nest/module/agent-coordination-options.resolver';
import { errorOf } from '../support/errors';
import { fastOptions, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-instrumentation');
const exporter = new InMemorySpanExporter();
const recipient = { type: 'instrumented' };

/** Application hooks that note what they see: the message's trace context and the active span. */
function appHooks() {
  const seen: { traceparent?: string; activeSpanId?: string }[] = [];
  const sent: MessageSentEvent[] = [];
  const hooks: CoordinatorInstrumentation = {
    aroundSend(send, run) {
      seen.push({
        traceparent: readTraceparent({ routing: send.message.routing }),
        activeSpanId: trace.getActiveSpan()?.spanContext().spanId,
      });
      return run(send.message);
    },
    sent: (event) => sent.push(event),
  };
  return { hooks, seen, sent };
}

async function startWith(
  hooks: CoordinatorInstrumentation,
  tracing: boolean,
): Promise<INestApplicationContext> {
  return startAgentApp({
    keyPrefix: prefix,
    options: {
      coordinator: { ...fastOptions(prefix).coordinator, instrumentation: hooks },
      tracing,
    },
  });
}

describe('the module passes tracing and the application’s hooks as coordinator options (e2e)', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });

  afterAll(async () => {
    trace.disable();
    context.disable();
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('injects the coordinator itself, its tracing hook outside the application’s', async () => {
    const { hooks, seen, sent } = appHooks();
    const app = await startWith(hooks, true);
    try {
      const coordinator = app.get(MessageCoordinator);
      expect(coordinator).toBeInstanceOf(RedisMessageCoordinator);
      exporter.reset();
      const result = await coordinator.sendMessage({ type: 'caller' }, recipient, {
        messageType: MessageType.EVENT,
        payload: {},
      });
      expect(result.delivered).toBe(true);
      const [span] = exporter.getFinishedSpans();
      expect(span.name).toBe('send instrumented/default');
      // The application's hook ran inside the span and saw the message carrying its context.
      const spanId = span.spanContext().spanId;
      expect(seen).toEqual([
        {
          traceparent: `00-${span.spanContext().traceId}-${spanId}-01`,
          activeSpanId: spanId,
        },
      ]);
      expect(sent.map((e) => e.result)).toEqual([result]);
      const delivery = await coordinator.receive(recipient, 1_000);
      expect(readTraceparent(delivery!.queueMessage.message)).toBe(seen[0].traceparent);
      expect(await coordinator.ack(recipient, delivery!.token)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('passes the application’s hooks alone when tracing is off', async () => {
    const { hooks, seen, sent } = appHooks();
    const app = await startWith(hooks, false);
    try {
      exporter.reset();
      const coordinator = app.get(MessageCoordinator);
      const result = await coordinator.sendMessage({ type: 'caller' }, recipient, {
        messageType: MessageType.EVENT,
        payload: {},
      });
      expect(seen).toEqual([{ traceparent: undefined, activeSpanId: undefined }]);
      expect(sent.map((e) => e.result)).toEqual([result]);
      expect(exporter.getFinishedSpans()).toEqual([]);
      const delivery = await coordinator.receive(recipient, 1_000);
      expect(delivery!.queueMessage.message.routing).toEqual({ tags: [] });
      expect(await coordinator.ack(recipient, delivery!.token)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refuses bad hooks before it connects, naming the option', () => {
    const error = errorOf(ConfigurationError, () =>
      resolveModuleOptions({
        ...fastOptions(prefix),
        coordinator: { instrumentation: { sent: 'yes' } as unknown as CoordinatorInstrumentation },
      }),
    );
    expect(error.field).toBe('coordinator.instrumentation.sent');
  });
});
