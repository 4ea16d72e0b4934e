import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  MessageType,
  RedisMessageCoordinator,
  ValidationError,
  type BatchMessage,
} from '../../../lib';
import {
  AgentTracing,
  readTraceparent,
} from '../../../lib/nest/observability/agent-coordination.tracing';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('tracing-batch');
const exporter = new InMemorySpanExporter();
const sender = { type: 'tb-sender' };
const a = { type: 'tb-a' };
const b = { type: 'tb-b' };

describe('coordinator tracing hooks: sendMessages', () => {
  const client = createClient();
  const inner = new RedisMessageCoordinator(client, {
    keyPrefix: prefix,
    instrumentation: AgentTracing.create({ tracerName: 'unit' }).instrumentation!.coordinator,
  });
  const traced = inner;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });

  afterAll(async () => {
    await traced.close();
    await deleteKeys(client, prefix);
    await closeClients();
    trace.disable();
    context.disable();
  });

  it('gives every message a PRODUCER span of its own and sends them in one batch', async () => {
    const batch = jest.spyOn(inner, 'sendMessages');
    const results = await traced.sendMessages(sender, [
      { recipient: a, message: { messageType: MessageType.EVENT, payload: { n: 1 } } },
      { recipient: b, message: { messageType: MessageType.EVENT, payload: { n: 2 } } },
      { recipient: a, message: { messageType: MessageType.EVENT, payload: { n: 3 } } },
    ]);
    expect(results.map((r) => r.delivered)).toEqual([true, true, true]);
    expect(batch).toHaveBeenCalledTimes(1);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([
      'send tb-a/default',
      'send tb-b/default',
      'send tb-a/default',
    ]);
    const spanIds = new Set(spans.map((s) => s.spanContext().spanId));
    const carried: string[] = [];
    for (const agent of [a, b, a]) {
      const delivery = await inner.receive(agent, 1_000);
      carried.push(readTraceparent(delivery!.queueMessage.message)!.split('-')[2]);
      await inner.ack(agent, delivery!.token);
    }
    // Three distinct spans, each carried by exactly one message.
    expect(new Set(carried).size).toBe(3);
    for (const id of carried) expect(spanIds.has(id)).toBe(true);
  });

  it('lets malformed input through to validation, which refuses it', async () => {
    await expect(
      traced.sendMessages(sender, [null as unknown as BatchMessage]),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      traced.sendMessages(sender, {} as unknown as BatchMessage[]),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
