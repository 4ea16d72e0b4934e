import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  FailureType,
  MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  ValidationError,
  type AgentMessage,
  type OutgoingMessage,
} from '../../../lib';
import {
  AgentTracing,
  readTraceparent,
  withTraceparent,
} from '../../../lib/nest/observability/agent-coordination.tracing';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('tracing-coordinator');
const exporter = new InMemorySpanExporter();
const sender = { type: 'tc-sender' };
const a = { type: 'tc-a' };
const b = { type: 'tc-b' };

function event(payload: Record<string, string>): OutgoingMessage {
  return { messageType: MessageType.EVENT, payload };
}

describe('coordinator tracing hooks (real Redis)', () => {
  let contextManager: AsyncLocalStorageContextManager;
  // One coordinator: the tracing hooks are its option, no longer a wrapper around it.
  let inner: RedisMessageCoordinator;
  let traced: RedisMessageCoordinator;

  beforeAll(() => {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    inner = new RedisMessageCoordinator(createClient(), {
      keyPrefix: prefix,
      retryAttempts: 0,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      jitter: 'none',
      instrumentation: AgentTracing.create({ tracerName: 'unit' }).instrumentation!.coordinator,
    });
    traced = inner;
  });

  afterEach(() => exporter.reset());

  afterAll(async () => {
    await traced.close();
    const client = createClient();
    await deleteKeys(client, prefix);
    await closeClients();
    trace.disable();
    context.disable();
  });

  it('broadcasts and publishes inside PRODUCER spans whose context rides in the messages', async () => {
    const results = await traced.broadcastMessage(sender, event({ n: 'b' }), [a, b]);
    expect(results.map((r) => r.delivered)).toEqual([true, true]);
    const subscription = await traced.subscribeToMessages(b, [MessageType.RESPONSE]);
    expect(subscription.messageTypes).toEqual([MessageType.RESPONSE]);
    const published = await traced.publish(sender, {
      messageType: MessageType.RESPONSE,
      payload: { n: 'p' },
    });
    expect(published.map((r) => r.delivered)).toEqual([true]);
    expect(await traced.unsubscribe(subscription.subscriptionId)).toBe(true);
    expect(await traced.publish(sender, event({ n: 'nobody' }))).toEqual([]);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([
      'broadcast event',
      'publish response',
      'publish event',
    ]);
    const [broadcastSpan, publishSpan] = spans;
    const forA = await traced.receive(a, 1_000);
    expect(readTraceparent(forA!.queueMessage.message)).toContain(
      broadcastSpan.spanContext().spanId,
    );
    const forB = [await traced.receive(b, 1_000), await traced.receive(b, 1_000)];
    expect(forB.map((d) => readTraceparent(d!.queueMessage.message))).toEqual([
      expect.stringContaining(broadcastSpan.spanContext().spanId) as unknown,
      expect.stringContaining(publishSpan.spanContext().spanId) as unknown,
    ]);
    expect(await traced.ack(a, forA!.token)).toBe(true);
    for (const delivery of forB) expect(await traced.ack(b, delivery!.token)).toBe(true);
  });

  it('names the span after the operation when a message has no type', async () => {
    const untyped = { payload: {} } as unknown as OutgoingMessage;
    expect(await traced.publish(sender, untyped)).toEqual([]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['publish publish']);
  });

  it('replies to the request sender with the request id when it carries no correlation id', async () => {
    const request: AgentMessage = {
      messageId: 'request-0001',
      messageType: MessageType.REQUEST,
      sender: b,
      recipient: a,
      payload: {},
      replyTo: b,
    };
    expect((await traced.reply(a, request, { answer: 42 })).delivered).toBe(true);
    const response = await traced.receive(b, 1_000);
    expect(response!.queueMessage.message).toMatchObject({
      messageType: MessageType.RESPONSE,
      correlationId: 'request-0001',
      priority: MessagePriority.NORMAL,
      payload: { answer: 42 },
    });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['send tc-b/default']);
    await expect(traced.reply(a, { ...request, replyTo: undefined }, {})).rejects.toThrow(
      ValidationError,
    );
    expect(await traced.ack(b, response!.token)).toBe(true);
  });

  it('sends a request inside a PRODUCER span and resolves with the reply', async () => {
    const answered = traced.request(sender, a, event({ q: 'x' }), { timeoutMs: 5_000 });
    let delivery = await traced.receive(a, 1_000);
    for (let i = 0; !delivery && i < 50; i++) delivery = await traced.receive(a, 100);
    const request = delivery!.queueMessage.message;
    expect(request.messageType).toBe(MessageType.REQUEST);
    await traced.reply(a, request, { a: 'y' });
    expect((await answered).payload).toEqual({ a: 'y' });
    expect(await traced.ack(a, delivery!.token)).toBe(true);
    const requestSpan = exporter.getFinishedSpans().find((s) => s.name === 'request tc-a/default');
    expect(readTraceparent(request)).toContain(requestSpan!.spanContext().spanId);
  });

  it('leaves queue management alone', async () => {
    await traced.sendMessage(sender, a, event({ n: '1' }));
    await traced.sendMessage(sender, a, event({ n: '2' }));
    expect(await traced.listQueues()).toEqual(
      expect.arrayContaining([{ type: 'tc-a', instance: 'default' }]),
    );
    const first = await traced.receive(a, 1_000);
    expect(await traced.extend(a, first!.token, 5_000)).toBe(true);
    const next = await traced.ackAndReceive(a, first!.token, 50);
    expect(next.acknowledged).toBe(true);
    expect(await traced.nack(a, next.next!.token, FailureType.PERMANENT, 'no')).toBe(
      'dead-lettered',
    );
    expect(await traced.stats(a)).toMatchObject({ ready: 0, reserved: 0, deadLettered: 1 });
    const dead = await traced.deadLetters(a);
    expect(dead.map((d) => d.lastError)).toEqual(['no']);
    expect(await traced.replayDeadLetters(a)).toBe(1);
    const replayed = await traced.receive(a, 1_000);
    expect(await traced.nack(a, replayed!.token, FailureType.PERMANENT, 'again')).toBe(
      'dead-lettered',
    );
    expect(await traced.purgeDeadLetters(a)).toBe(1);
    traced.configure({ retryAttempts: 5 });
    expect(inner.limits.retryAttempts).toBe(5);
    expect(await traced.recoverPending(a)).toBe(0);
  });

  it('leaves batch receives alone, one call each', async () => {
    for (const n of ['1', '2', '3']) await traced.sendMessage(sender, a, event({ n }));
    const receiveMany = jest.spyOn(inner, 'receiveMany');
    const ackAndReceiveMany = jest.spyOn(inner, 'ackAndReceiveMany');
    const batch = await traced.receiveMany(a, 2, 1_000);
    expect(batch.map((d) => d.queueMessage.message.payload)).toEqual([{ n: '1' }, { n: '2' }]);
    const step = await traced.ackAndReceiveMany(
      a,
      batch.map((d) => d.token),
      5,
      1_000,
    );
    expect(step.acknowledged).toEqual([true, true]);
    expect(step.next.map((d) => d.queueMessage.message.payload)).toEqual([{ n: '3' }]);
    expect(receiveMany).toHaveBeenCalledTimes(1);
    // receiveMany answered inside ackAndReceiveMany.
    expect(ackAndReceiveMany).toHaveBeenCalledTimes(2);
    expect(await traced.ack(a, step.next[0].token)).toBe(true);
    receiveMany.mockRestore();
    ackAndReceiveMany.mockRestore();
  });

  it('hands a release to the wrapped coordinator', async () => {
    await traced.sendMessage(sender, a, event({ n: 'released' }));
    const release = jest.spyOn(inner, 'release');
    const delivery = await traced.receive(a, 1_000);
    expect(await traced.release(a, [delivery!.token])).toBe(1);
    expect(release).toHaveBeenCalledWith(a, [delivery!.token]);
    const again = await traced.receive(a, 1_000);
    expect(again!.queueMessage.deliveryAttempts).toBe(0);
    expect(await traced.ack(a, again!.token)).toBe(true);
    release.mockRestore();
  });

  it('leaves messages alone when tracing is off, and gives up the trace when the tags are full', async () => {
    const off = AgentTracing.create(null);
    expect(off.enabled).toBe(false);
    const message = event({});
    await off.traceSend('send', a, message, (m) => {
      expect(m).toBe(message);
      return Promise.resolve();
    });
    const full = { routing: { tags: Array.from({ length: 64 }, (_, i) => `t${i}`) } };
    expect(withTraceparent(full, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`)).toBe(full);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
