import { MessagePriority, ValidationError, type BatchMessage } from '../../lib';
import { itRealRedis } from '../support/redis';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';
import { SEND_CHUNK } from '../../lib/messaging/queue-sends';

describe('RedisMessageCoordinator: sendMessages', () => {
  const fx = new CoordinatorFixture('batch');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  async function drain(agent: { type: string }): Promise<unknown[]> {
    const payloads: unknown[] = [];
    for (;;) {
      const delivery = await coordinator.receive(agent, 30_000);
      if (!delivery) return payloads;
      payloads.push(delivery.queueMessage.message.payload);
      expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    }
  }

  it('enqueues every message for its recipient, one result each, in order', async () => {
    const a = { type: 'batch-a' };
    const b = { type: 'batch-b' };
    const batch: BatchMessage[] = Array.from({ length: 30 }, (_, i) => ({
      recipient: i % 3 === 0 ? b : a,
      message: event({ i }, { priority: i === 29 ? MessagePriority.HIGH : MessagePriority.NORMAL }),
    }));
    const results = await coordinator.sendMessages(planner, batch);
    expect(results).toHaveLength(30);
    expect(results.every((r) => r.delivered)).toBe(true);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(30);
    // Priority first, then the batch order within a priority.
    const toA = batch.filter((item) => item.recipient === a).map((item) => item.message.payload);
    expect(await drain(a)).toEqual([{ i: 29 }, ...toA.filter((p) => p.i !== 29)]);
    expect(await drain(b)).toEqual(
      batch.filter((i) => i.recipient === b).map((i) => i.message.payload),
    );
  });

  // ioredis-mock has no sendCommand to count what goes over the wire.
  itRealRedis('sends one script call per recipient, all in one pipeline', async () => {
    const pipeline = jest.spyOn(fx.client, 'pipeline');
    const sent = jest.spyOn(fx.client, 'sendCommand');
    /** Script calls written since the last clear. */
    const scriptCalls = () =>
      sent.mock.calls.filter(([command]) => /^eval/.test((command as { name: string }).name))
        .length;
    const one = { type: 'batch-pipe-1' };
    const two = { type: 'batch-pipe-2' };
    await coordinator.sendMessages(planner, [
      { recipient: one, message: event() },
      { recipient: two, message: event() },
    ]); // scripts and index in place
    pipeline.mockClear();
    sent.mockClear();
    // One recipient: a single script call for the whole batch, no pipeline.
    const single = await coordinator.sendMessages(
      planner,
      Array.from({ length: 50 }, (_, i) => ({ recipient: one, message: event({ i }) })),
    );
    expect(single.filter((r) => r.delivered)).toHaveLength(50);
    expect(pipeline).not.toHaveBeenCalled();
    expect(scriptCalls()).toBe(1);
    sent.mockClear();
    // Two recipients: two calls in one pipeline.
    const mixed = await coordinator.sendMessages(
      planner,
      Array.from({ length: 50 }, (_, i) => ({
        recipient: i % 2 ? one : two,
        message: event({ i }),
      })),
    );
    expect(mixed.filter((r) => r.delivered)).toHaveLength(50);
    expect(pipeline).toHaveBeenCalledTimes(1);
    expect(scriptCalls()).toBe(2);
    pipeline.mockRestore();
    sent.mockRestore();
    expect(await drain(one)).toHaveLength(76);
    expect(await drain(two)).toHaveLength(26);
  });

  describe('sendMessage calls made in the same turn', () => {
    it('each get their own result, in call order, with duplicates and a full queue', async () => {
      const small = fx.coordinator({ queueSize: 4 });
      const agent = { type: 'same-turn' };
      const other = { type: 'same-turn-other' };
      const send = (n: number, to = agent, messageId = `turn-${n}`) =>
        small.sendMessage(planner, to, event({ n }, { messageId }));
      const invalid = small.sendMessage(planner, { type: 'bad:type' }, event());
      const results = await Promise.all([
        send(1),
        send(2),
        send(3, agent, 'turn-1'),
        send(4, other),
        send(5),
        send(6),
        send(7),
      ]);
      await expect(invalid).rejects.toThrow(ValidationError);
      expect(results).toEqual([
        { messageId: 'turn-1', delivered: true },
        { messageId: 'turn-2', delivered: true },
        { messageId: 'turn-1', delivered: false, duplicate: true, error: 'duplicate' },
        { messageId: 'turn-4', delivered: true },
        { messageId: 'turn-5', delivered: true },
        { messageId: 'turn-6', delivered: true },
        { messageId: 'turn-7', delivered: false, error: 'queue full' },
      ]);
      expect(await drain(agent)).toEqual([{ n: 1 }, { n: 2 }, { n: 5 }, { n: 6 }]);
      expect(await drain(other)).toEqual([{ n: 4 }]);
    });

    // ioredis-mock has no sendCommand to count what goes over the wire.
    itRealRedis('share one script call per recipient; later turns make their own', async () => {
      const agent = { type: 'same-turn-calls' };
      await coordinator.sendMessage(planner, agent, event()); // script and index in place
      const sent = jest.spyOn(fx.client, 'sendCommand');
      const scriptCalls = () =>
        sent.mock.calls.filter(([command]) => /^eval/.test((command as { name: string }).name))
          .length;
      const together = await Promise.all(
        Array.from({ length: 40 }, (_, i) => coordinator.sendMessage(planner, agent, event({ i }))),
      );
      expect(together.every((r) => r.delivered)).toBe(true);
      expect(scriptCalls()).toBe(1);
      for (let i = 0; i < 3; i++) await coordinator.sendMessage(planner, agent, event({ i }));
      expect(scriptCalls()).toBe(4);
      sent.mockRestore();
      expect(await drain(agent)).toHaveLength(44);
    });
  });

  it('splits a large batch into calls of 500, keeping the order', async () => {
    const agent = { type: 'batch-large' };
    const results = await coordinator.sendMessages(
      planner,
      Array.from({ length: 1_201 }, (_, i) => ({ recipient: agent, message: event({ i }) })),
    );
    expect(results.filter((r) => r.delivered)).toHaveLength(1_201);
    const payloads = await drain(agent);
    expect(payloads).toEqual(Array.from({ length: 1_201 }, (_, i) => ({ i })));
  });

  it('sends a batch of exactly two calls worth, with no empty third call', async () => {
    const agent = { type: 'batch-even' };
    const length = 2 * SEND_CHUNK;
    const results = await coordinator.sendMessages(
      planner,
      Array.from({ length }, (_, i) => ({ recipient: agent, message: event({ i }) })),
    );
    expect(results.filter((r) => r.delivered)).toHaveLength(length);
    expect((await coordinator.stats(agent)).ready).toBe(length);
  });

  it('reports duplicates and a full queue per message, like sendMessage', async () => {
    const small = fx.coordinator({ queueSize: 3 });
    const agent = { type: 'batch-full' };
    const results = await small.sendMessages(planner, [
      { recipient: agent, message: event({ n: 1 }, { messageId: 'bfull-1' }) },
      { recipient: agent, message: event({ n: 2 }, { messageId: 'bfull-1' }) },
      { recipient: agent, message: event({ n: 3 }, { messageId: 'bfull-2' }) },
      { recipient: agent, message: event({ n: 4 }, { messageId: 'bfull-3' }) },
      { recipient: agent, message: event({ n: 5 }, { messageId: 'bfull-4' }) },
    ]);
    expect(results).toEqual([
      { messageId: 'bfull-1', delivered: true },
      { messageId: 'bfull-1', delivered: false, duplicate: true, error: 'duplicate' },
      { messageId: 'bfull-2', delivered: true },
      { messageId: 'bfull-3', delivered: true },
      { messageId: 'bfull-4', delivered: false, error: 'queue full' },
    ]);
    expect(await drain(agent)).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]);
  });

  it('refuses invalid input before sending anything', async () => {
    const agent = { type: 'batch-invalid' };
    const attempt = coordinator.sendMessages(planner, [
      { recipient: agent, message: event({ ok: true }) },
      { recipient: agent, message: event({ ok: true }) },
      { recipient: { type: 'bad:type' }, message: event() },
    ]);
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'messages[2].recipient.type' });
    await expect(
      coordinator.sendMessages(planner, [
        { recipient: agent, message: event() },
        null as unknown as BatchMessage,
      ]),
    ).rejects.toMatchObject({ field: 'messages[1]' });
    await expect(
      coordinator.sendMessages(planner, 'nope' as unknown as BatchMessage[]),
    ).rejects.toMatchObject({ field: 'messages' });
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('reports every message of a pipeline that failed as a whole, without throwing', async () => {
    const failingPipelines = new Proxy(fx.client, {
      get(target, property, receiver) {
        if (property !== 'pipeline') return Reflect.get(target, property, receiver) as unknown;
        return () => {
          const pipeline = target.pipeline();
          pipeline.exec = () => Promise.reject(new Error('connection reset'));
          return pipeline;
        };
      },
    });
    const c = fx.coordinator({}, failingPipelines);
    const results = await c.sendMessages(planner, [
      { recipient: { type: 'batch-down-1' }, message: event({}, { messageId: 'down-0001' }) },
      { recipient: { type: 'batch-down-2' }, message: event({}, { messageId: 'down-0002' }) },
    ]);
    expect(results).toEqual([
      { messageId: 'down-0001', delivered: false, error: 'redis error: connection reset' },
      { messageId: 'down-0002', delivered: false, error: 'redis error: connection reset' },
    ]);
    expect((await coordinator.stats({ type: 'batch-down-1' })).ready).toBe(0);
  });

  it('answers an empty batch with no results', async () => {
    expect(await coordinator.sendMessages(planner, [])).toEqual([]);
  });
});
