import type { INestApplicationContext } from '@nestjs/common';
import {
  Agent,
  AgentBootstrapError,
  AgentContext,
  AgentPayload,
  AgentRequestError,
  ErrorCode,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  type AgentMessageContext,
  type JsonObject,
} from '../../lib';
import { bootAgents, OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, keysUnder, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-topics');
const ORDERS = { type: 'orders' };
const SHOP = { type: 'shop' };

@Agent({ type: 'orders' })
class OrdersAgent {
  readonly calls: { method: string; type: string; topic?: string; payload: JsonObject }[] = [];

  @OnAgentMessage({ topic: 'orders.created' })
  created(@AgentPayload() payload: JsonObject, @AgentContext() ctx: AgentMessageContext) {
    return this.record('created', payload, ctx);
  }

  @OnAgentMessage(MessageType.REQUEST, { topic: 'orders.cancelled' })
  cancelled(@AgentPayload() payload: JsonObject, @AgentContext() ctx: AgentMessageContext) {
    return this.record('cancelled', payload, ctx);
  }

  @OnAgentMessage({ topic: 'orders.*', types: [MessageType.EVENT, MessageType.REQUEST] })
  anyOrder(@AgentPayload() payload: JsonObject, @AgentContext() ctx: AgentMessageContext) {
    return this.record('anyOrder', payload, ctx);
  }

  private record(method: string, payload: JsonObject, ctx: AgentMessageContext) {
    const { messageType, routing } = ctx.message;
    this.calls.push({ method, type: messageType, topic: routing?.topic, payload });
    return { handledBy: method };
  }
}

describe('topic handlers (e2e)', () => {
  let app: INestApplicationContext;
  let coordinator: MessageCoordinator;
  let agent: OrdersAgent;
  let outcomes: OutcomeRecorder;

  beforeAll(async () => {
    app = await startAgentApp({ keyPrefix: prefix, providers: [OrdersAgent] });
    coordinator = app.get(MessageCoordinator);
    agent = app.get(OrdersAgent);
    outcomes = new OutcomeRecorder(app);
  });

  afterAll(async () => {
    await app.close();
    const client = createClient();
    await deleteKeys(client, prefix);
    expect(await keysUnder(client, prefix)).toEqual([]);
    await closeClients();
  });

  /** Sends an EVENT on `topic` and waits until it is acked. */
  async function publish(topic: string, payload: JsonObject): Promise<void> {
    const sent = await coordinator.sendMessage(SHOP, ORDERS, {
      messageType: MessageType.EVENT,
      payload,
      routing: { topic, tags: [] },
    });
    expect(sent.delivered).toBe(true);
    await outcomes.waitFor(sent.messageId, 'acked');
  }

  const request = (topic: string, payload: JsonObject, timeoutMs = 5_000) =>
    coordinator.request(
      SHOP,
      ORDERS,
      { messageType: MessageType.REQUEST, payload, routing: { topic, tags: [] } },
      { timeoutMs },
    );

  it('hands events to the handler of the most specific topic that takes their type', async () => {
    const before = agent.calls.length;
    await publish('orders.created', { n: 1 });
    await publish('orders.shipped', { n: 2 });
    // orders.cancelled takes REQUESTs only: an EVENT on it goes to orders.*.
    await publish('orders.cancelled', { n: 3 });
    expect(agent.calls.slice(before)).toEqual([
      { method: 'created', type: 'event', topic: 'orders.created', payload: { n: 1 } },
      { method: 'anyOrder', type: 'event', topic: 'orders.shipped', payload: { n: 2 } },
      { method: 'anyOrder', type: 'event', topic: 'orders.cancelled', payload: { n: 3 } },
    ]);
  });

  it('answers requests from the handler of their topic', async () => {
    expect((await request('orders.cancelled', { n: 4 })).payload).toEqual({
      handledBy: 'cancelled',
    });
    expect((await request('orders.created', { n: 5 })).payload).toEqual({ handledBy: 'created' });
    expect((await request('orders.returned', { n: 6 })).payload).toEqual({
      handledBy: 'anyOrder',
    });
  });

  it('rejects a request on a topic no handler takes within 1 s with NO_HANDLER', async () => {
    const before = agent.calls.length;
    const started = performance.now();
    const error = (await request('billing.refund', { n: 7 }, 30_000).catch(
      (e: unknown) => e,
    )) as AgentRequestError;
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(error.code).toBe(ErrorCode.NO_HANDLER);
    expect(error.responder).toEqual({ type: 'orders', instance: 'default' });
    expect(error.message).toBe(
      'no handler for message type "request" with topic "billing.refund" on agent orders/default ' +
        '(it handles: request (topics orders.cancelled | orders.created | orders.*), ' +
        'event (topics orders.created | orders.*))',
    );
    expect(elapsedMs).toBeLessThan(1_000);
    expect(agent.calls).toHaveLength(before);
    const [dead] = await coordinator.deadLetters(ORDERS);
    expect(dead.message.messageId).toBe(error.requestId);
  });
});

@Agent({ type: 'twice-on-a-topic' })
class SamePatternTwice {
  @OnAgentMessage({ topic: 'orders.*' })
  first() {}

  @OnAgentMessage(MessageType.EVENT, { topic: 'orders.*' })
  second() {}
}

@Agent({ type: 'bad-topic' })
class BadTopic {
  @OnAgentMessage({ topic: 'orders..created' })
  handle() {}
}

@Agent({ type: 'null-type' })
class NullType {
  @OnAgentMessage(null as never)
  handle() {}
}

@Agent({ type: 'routes-side-by-side' })
class SideBySide {
  @OnAgentMessage(MessageType.EVENT)
  everything() {}

  @OnAgentMessage({ topic: 'orders.*', types: MessageType.EVENT })
  events() {}

  @OnAgentMessage([MessageType.REQUEST], { topic: 'orders.*' })
  requests() {}
}

describe('topic handlers checked at bootstrap (e2e)', () => {
  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it.each([
    [
      'two handlers for one type and pattern',
      SamePatternTwice,
      'Agent twice-on-a-topic/default (SamePatternTwice) has two handlers for "event" messages on topic "orders.*": first() and second()',
    ],
    [
      'an empty segment in a pattern',
      BadTopic,
      '@OnAgentMessage() on BadTopic.handle(): Invalid topic: "orders..created" segment 2 is empty (rule: emptySegment)',
    ],
    [
      'a null message type',
      NullType,
      '@OnAgentMessage() on NullType.handle(): "null" is not a message type',
    ],
  ])('fails for %s, naming the class and methods', async (_name, provider, message) => {
    const { error } = await bootAgents(prefix, [provider]);
    expect(error).toBeInstanceOf(AgentBootstrapError);
    expect((error as AgentBootstrapError).code).toBe(ErrorCode.BOOTSTRAP_FAILED);
    expect((error as Error).message).toContain(message);
  });

  it('starts an agent with one pattern for two types and a handler without a topic', async () => {
    expect(await bootAgents(prefix, [SideBySide])).toEqual({
      agents: ['routes-side-by-side/default'],
    });
  });
});
