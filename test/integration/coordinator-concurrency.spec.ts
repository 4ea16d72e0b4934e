import type Redis from 'ioredis';
import type { RedisMessageCoordinator } from '../../lib/messaging';
import { backend, createClient } from '../support/redis';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

jest.setTimeout(60_000);

/** `count` coordinators, each on a connection of its own. */
function onSeparateConnections(
  fx: CoordinatorFixture,
  count: number,
  options = {},
): { clients: Redis[]; coordinators: RedisMessageCoordinator[] } {
  const clients = Array.from({ length: count }, () => createClient());
  return { clients, coordinators: clients.map((client) => fx.coordinator(options, client)) };
}

describe('RedisMessageCoordinator: concurrency', () => {
  const fx = new CoordinatorFixture('concurrency');

  afterAll(() => fx.teardown());

  it('20 receivers on separate connections drain 5 000 messages, each acknowledged exactly once', async () => {
    // ioredis-mock starts a fresh Lua VM per script call (about 20 ms per message end to end),
    // so the fake drains a twenty-fifth of the load; the real server takes the full 5 000.
    const total = backend === 'mock' ? 200 : 5_000;
    const batchSize = 200;
    const agent = { type: 'drained' };
    const { clients, coordinators } = onSeparateConnections(fx, 20);
    if (backend === 'redis') {
      const ids = await Promise.all(clients.map((c) => c.client('ID')));
      expect(new Set(ids).size).toBe(20);
    }
    const acked = new Map<string, number>();
    const deliveries = new Map<string, number>();
    let sendingDone = false;

    const receivers = coordinators.map(async (coordinator) => {
      for (;;) {
        const delivery = await coordinator.receive(agent, 60_000, { waitMs: 50 });
        if (!delivery) {
          if (sendingDone) return;
          continue;
        }
        const id = delivery.queueMessage.message.messageId;
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        if (await coordinator.ack(agent, delivery.token)) acked.set(id, (acked.get(id) ?? 0) + 1);
      }
    });

    const sender = fx.coordinator();
    const sent: string[] = [];
    for (let batch = 0; batch < total; batch += batchSize) {
      const results = await Promise.all(
        Array.from({ length: batchSize }, (_, i) =>
          sender.sendMessage(
            planner,
            agent,
            event({ n: batch + i }, { messageId: `drain-${batch + i}` }),
          ),
        ),
      );
      for (const result of results) {
        expect(result.delivered).toBe(true);
        sent.push(result.messageId);
      }
    }
    sendingDone = true;
    await Promise.all(receivers);

    expect(sent).toHaveLength(total);
    expect(deliveries.size).toBe(total);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(acked.size).toBe(total);
    expect([...acked.values()].every((n) => n === 1)).toBe(true);
    expect([...acked.keys()].sort()).toEqual([...sent].sort());
    expect(await sender.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
    expect(await fx.client.hlen(fx.keys.queue(agent).bodies)).toBe(0);
  });

  it('20 concurrent senders on separate connections against queueSize 5 deliver exactly 5', async () => {
    const agent = { type: 'narrow' };
    const { coordinators } = onSeparateConnections(fx, 20, { queueSize: 5 });
    const results = await Promise.all(
      coordinators.map((coordinator, i) =>
        coordinator.sendMessage(planner, agent, event({ i }, { messageId: `narrow-${i}0000` })),
      ),
    );
    const delivered = results.filter((r) => r.delivered);
    expect(delivered).toHaveLength(5);
    const refused = results.filter((r) => !r.delivered);
    expect(refused).toHaveLength(15);
    expect(refused.every((r) => r.error === 'queue full')).toBe(true);
    expect(await coordinators[0].stats(agent)).toMatchObject({ ready: 5 });
    const received = [];
    for (let d = await coordinators[1].receive(agent); d; d = await coordinators[1].receive(agent))
      received.push(d.queueMessage.message.messageId);
    expect(received.sort()).toEqual(delivered.map((r) => r.messageId).sort());
  });

  it('ack racing recoverPending on an expired reservation: exactly one wins, every time', async () => {
    const agent = { type: 'racer' };
    const [a, b] = onSeparateConnections(fx, 2, { retryAttempts: 1000 }).coordinators;
    let ackWins = 0;
    let recoverWins = 0;
    for (let round = 0; round < 50; round++) {
      await a.sendMessage(planner, agent, event({ round }, { messageId: `race-${round}-000` }));
      const delivery = await a.receive(agent, 60_000);
      await fx.expire(agent, delivery!.token);
      const [acked, recovered] = await Promise.all([
        a.ack(agent, delivery!.token),
        b.recoverPending(agent),
      ]);
      expect(Number(acked) + recovered).toBe(1);
      const stats = await a.stats(agent);
      if (acked) {
        ackWins++;
        expect(stats).toEqual({ ready: 0, delayed: 0, reserved: 0, deadLettered: 0 });
      } else {
        recoverWins++;
        expect(stats).toEqual({ ready: 1, delayed: 0, reserved: 0, deadLettered: 0 });
        // The old token stays refused; the message comes back with one attempt counted.
        expect(await a.ack(agent, delivery!.token)).toBe(false);
        const again = await a.receive(agent, 60_000);
        expect(again!.queueMessage.deliveryAttempts).toBe(1);
        expect(await a.ack(agent, again!.token)).toBe(true);
      }
    }
    expect(ackWins + recoverWins).toBe(50);
  });

  it('many receivers racing for few messages: each message goes to one of them', async () => {
    const agent = { type: 'scarce' };
    const { coordinators } = onSeparateConnections(fx, 10);
    for (let i = 0; i < 3; i++) {
      await coordinators[0].sendMessage(planner, agent, event({}, { messageId: `scarce-${i}000` }));
    }
    const got = await Promise.all(coordinators.map((c) => c.receive(agent, 60_000)));
    const ids = got.filter((d) => d !== null).map((d) => d.queueMessage.message.messageId);
    expect(ids.sort()).toEqual(['scarce-0000', 'scarce-1000', 'scarce-2000']);
  });
});
