import {
  AgentRequestError,
  AgentWorker,
  ErrorCode,
  MessageType,
  TopicHandlerSet,
  silentLogger,
  type AgentMessageContext,
  type JsonObject,
  type MessageHandledEvent,
} from '../../lib';
import { waitFor } from '../support/wait';
import { CoordinatorFixture, planner } from './coordinator-fixture';

/**
 * An `AgentWorker` with topic handlers on the real queue: each message reaches the handler of
 * the most specific pattern its topic matches, topics travel from `sendMessage` and `request`
 * to the handler, and a topic no handler takes is dead-lettered with a reason naming it.
 */
describe('topic routing through an AgentWorker', () => {
  const fx = new CoordinatorFixture('topics');
  const coordinator = fx.coordinator();
  const agent = { type: 'orders', instance: 'default' };
  const seen: { handler: string; messageId: string; topic?: string; payload: JsonObject }[] = [];
  const handled: MessageHandledEvent[] = [];

  const record =
    (handler: string) =>
    (payload: JsonObject, context: AgentMessageContext): JsonObject => {
      const { messageId, routing } = context.message;
      seen.push({ handler, messageId, topic: routing?.topic, payload });
      return { handledBy: handler };
    };

  const worker = new AgentWorker(
    coordinator,
    {
      agent,
      receiveWaitMs: 100,
      logger: silentLogger,
      instrumentation: { handled: (event) => handled.push(event) },
    },
    new TopicHandlerSet()
      .on('orders.created', record('created'))
      .on('orders.cancelled', record('cancelled'))
      .on('orders.*', record('any order')),
  );

  beforeAll(() => worker.start());

  afterAll(async () => {
    await worker.close();
    await fx.teardown();
  });

  /** Sends an EVENT on `topic` and waits until the worker has settled it. */
  async function publish(topic: string, payload: JsonObject): Promise<MessageHandledEvent> {
    const sent = await coordinator.sendMessage(planner, agent, {
      messageType: MessageType.EVENT,
      payload,
      routing: { topic, tags: [] },
    });
    expect(sent.delivered).toBe(true);
    return waitFor(`message ${sent.messageId} to be settled`, () =>
      handled.find((event) => event.messageId === sent.messageId),
    );
  }

  it('takes each topic to its most specific handler', async () => {
    const created = await publish('orders.created', { n: 1 });
    const cancelled = await publish('orders.cancelled', { n: 2 });
    const shipped = await publish('orders.shipped', { n: 3 });
    expect([created, cancelled, shipped].map((event) => event.outcome)).toEqual([
      'acked',
      'acked',
      'acked',
    ]);
    expect(seen).toEqual([
      {
        handler: 'created',
        messageId: created.messageId,
        topic: 'orders.created',
        payload: { n: 1 },
      },
      {
        handler: 'cancelled',
        messageId: cancelled.messageId,
        topic: 'orders.cancelled',
        payload: { n: 2 },
      },
      {
        handler: 'any order',
        messageId: shipped.messageId,
        topic: 'orders.shipped',
        payload: { n: 3 },
      },
    ]);
  });

  it("answers a request with its topic's handler", async () => {
    const reply = await coordinator.request(
      planner,
      agent,
      {
        messageType: MessageType.REQUEST,
        payload: { n: 4 },
        routing: { topic: 'orders.returned', tags: [] },
      },
      { timeoutMs: 5_000 },
    );
    expect(reply.payload).toEqual({ handledBy: 'any order' });
    expect(seen.at(-1)).toMatchObject({ handler: 'any order', topic: 'orders.returned' });
  });

  it('dead-letters a topic no handler takes, naming the topic and the patterns handled', async () => {
    const before = seen.length;
    const refund = await publish('billing.refund', { n: 5 });
    const reason =
      'no handler for message type "event" with topic "billing.refund" on agent orders/default ' +
      '(it handles: request (topics orders.cancelled | orders.created | orders.*), ' +
      'event (topics orders.cancelled | orders.created | orders.*))';
    expect(refund).toMatchObject({ outcome: 'dead-lettered', handled: false, error: reason });
    const dead = await coordinator.deadLetters(agent);
    expect(dead.map((d) => [d.message.messageId, d.lastError])).toEqual([
      [refund.messageId, reason],
    ]);
    // A message without a topic has no fallback to go to either.
    const untopical = await coordinator.sendMessage(planner, agent, {
      messageType: MessageType.EVENT,
      payload: { n: 6 },
    });
    const event = await waitFor('the message without a topic to be settled', () =>
      handled.find((e) => e.messageId === untopical.messageId),
    );
    expect(event.error).toMatch(/^no handler for message type "event" on agent orders\/default/);
    expect(seen).toHaveLength(before);
  });

  it('rejects a request to a topic no handler takes at once with NO_HANDLER', async () => {
    const error = (await coordinator
      .request(
        planner,
        agent,
        { messageType: MessageType.REQUEST, payload: {}, routing: { topic: 'orders', tags: [] } },
        { timeoutMs: 30_000 },
      )
      .catch((e: unknown) => e)) as AgentRequestError;
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(error.code).toBe(ErrorCode.NO_HANDLER);
    expect(error.message).toMatch(/^no handler for message type "request" with topic "orders" /);
  });
});
