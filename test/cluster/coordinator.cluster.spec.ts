import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  FailureType,
  MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  type AgentId,
  type ResolvedAgentId,
} from '../../lib/messaging';
import { RedisClusterFixture } from '../support/redis-cluster';
import { waitFor, whileWaiting } from '../support/wait';

jest.setTimeout(60_000);

const sender: AgentId = { type: 'planner', instance: 'p1' };

function event(payload: Record<string, unknown> = {}, priority = MessagePriority.NORMAL) {
  return { messageType: MessageType.EVENT, payload, priority };
}

/** Slot → port of the master serving it, from CLUSTER SLOTS. */
async function slotOwners(cluster: Cluster): Promise<(slot: number) => number> {
  const ranges = await cluster.cluster('SLOTS');
  return (slot) => ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
}

describe('RedisMessageCoordinator on a three-master Redis Cluster', () => {
  let fixture: RedisClusterFixture;
  let cluster: Cluster;
  let coordinator: RedisMessageCoordinator;
  let prefix: string;
  let layout: KeyLayout;
  /** One agent on each master. */
  let spread: ResolvedAgentId[];

  beforeAll(async () => {
    fixture = await RedisClusterFixture.start();
    cluster = await fixture.connect();
    prefix = `t.cluster.${randomBytes(4).toString('hex')}`;
    layout = new KeyLayout(prefix);
    coordinator = new RedisMessageCoordinator(cluster, {
      keyPrefix: prefix,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      jitter: 'none',
      retryAttempts: 1,
    });
    const owner = await slotOwners(cluster);
    const byPort = new Map<number, ResolvedAgentId>();
    for (let i = 0; byPort.size < 3 && i < 1000; i++) {
      const agent = { type: 'worker', instance: `w${i}` };
      const slot = await cluster.cluster('KEYSLOT', layout.queue(agent).bodies);
      if (!byPort.has(owner(slot))) byPort.set(owner(slot), agent);
    }
    spread = [...byPort.values()];
  });

  afterAll(async () => {
    await coordinator?.close();
    await fixture?.stop();
  });

  it('places every key of one agent in one slot, and spreads agents over the masters', async () => {
    expect(spread).toHaveLength(3);
    const agent = spread[0];
    const keys = layout.queue(agent);
    const names = [
      ...Object.values(keys.ready),
      ...Object.entries(keys)
        .filter(([name]) => name !== 'ready')
        .map(([, key]) => key as string),
      layout.agent(agent),
      layout.capabilities(agent),
    ];
    const slots = new Set<number>();
    for (const key of names) slots.add(await cluster.cluster('KEYSLOT', key));
    expect(slots.size).toBe(1);

    // Every key the coordinator really wrote for this agent sits on one node.
    await coordinator.sendMessage(sender, agent, event({ n: 1 }));
    const delivery = await coordinator.receive(agent, 60_000);
    await coordinator.nack(agent, delivery!.token, FailureType.PERMANENT, 'to dead letters');
    await coordinator.sendMessage(sender, agent, event({ n: 2 }));
    const written = await fixture.keysByNode(`${prefix}:${layout.tag(agent)}:*`);
    expect(written.size).toBeGreaterThanOrEqual(4);
    expect(new Set(written.values()).size).toBe(1);
    await coordinator.purgeDeadLetters(agent);
    const rest = await coordinator.receive(agent, 60_000);
    expect(await coordinator.ack(agent, rest!.token)).toBe(true);
  });

  it('sends, receives and acknowledges on each master', async () => {
    for (const agent of spread) {
      const sent = await coordinator.sendMessage(sender, agent, event({ to: agent.instance }));
      expect(sent.delivered).toBe(true);
      const delivery = await coordinator.receive(agent, 5_000);
      expect(delivery?.queueMessage.message.payload).toEqual({ to: agent.instance });
      expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
      expect(await coordinator.ack(agent, delivery!.token)).toBe(false);
      expect(await coordinator.stats(agent)).toEqual({
        ready: 0,
        delayed: 0,
        reserved: 0,
        deadLettered: 0,
      });
    }
  });

  it('serves priority first, FIFO within a priority', async () => {
    const agent = spread[1];
    const order = [
      ['a', MessagePriority.LOW],
      ['b', MessagePriority.NORMAL],
      ['c', MessagePriority.HIGH],
      ['d', MessagePriority.NORMAL],
      ['e', MessagePriority.HIGH],
    ] as const;
    for (const [name, priority] of order)
      await coordinator.sendMessage(sender, agent, event({ name }, priority));
    const seen: string[] = [];
    for (;;) {
      const delivery = await coordinator.receive(agent, 5_000);
      if (!delivery) break;
      seen.push(delivery.queueMessage.message.payload.name as string);
      await coordinator.ack(agent, delivery.token);
    }
    expect(seen).toEqual(['c', 'e', 'b', 'd', 'a']);
  });

  it('refuses duplicates within the window', async () => {
    const agent = spread[2];
    const messageId = `dup-${randomBytes(4).toString('hex')}`;
    expect(
      (await coordinator.sendMessage(sender, agent, { ...event(), messageId })).delivered,
    ).toBe(true);
    const again = await coordinator.sendMessage(sender, agent, { ...event(), messageId });
    expect(again).toMatchObject({ delivered: false, duplicate: true });
    const delivery = await coordinator.receive(agent);
    await coordinator.ack(agent, delivery!.token);
    expect(
      (await coordinator.sendMessage(sender, agent, { ...event(), messageId })).duplicate,
    ).toBe(true);
  });

  it('retries after nack, dead-letters when retries are spent, replays and purges', async () => {
    const agent = spread[0];
    await coordinator.sendMessage(sender, agent, event({ poison: true }));
    const first = await coordinator.receive(agent, 5_000);
    expect(await coordinator.nack(agent, first!.token, FailureType.TRANSIENT, 'flaky')).toBe(
      'retried',
    );
    // Due 1 ms later: receive until it is back.
    const second = await waitFor(
      'the retry',
      async () => (await coordinator.receive(agent, 5_000)) ?? undefined,
    );
    expect(second?.queueMessage.deliveryAttempts).toBe(1);
    expect(await coordinator.nack(agent, second.token, FailureType.TRANSIENT, 'flaky again')).toBe(
      'dead-lettered',
    );
    const dead = await coordinator.deadLetters(agent);
    expect(dead).toHaveLength(1);
    expect(dead[0].lastError).toBe('flaky again');
    expect(await coordinator.replayDeadLetters(agent)).toBe(1);
    const replayed = await coordinator.receive(agent, 5_000);
    expect(replayed?.queueMessage.deliveryAttempts).toBe(0);
    await coordinator.nack(agent, replayed!.token, FailureType.PERMANENT, 'give up');
    expect(await coordinator.purgeDeadLetters(agent)).toBe(1);
    expect((await coordinator.stats(agent)).deadLettered).toBe(0);
  });

  it('recovers expired reservations on every master through the queue index', async () => {
    for (const agent of spread) await coordinator.sendMessage(sender, agent, event({ r: 1 }));
    const tokens: string[] = [];
    for (const agent of spread) tokens.push((await coordinator.receive(agent, 10))!.token);
    // Recover until all three 10 ms reservations have lapsed on their masters' clocks.
    let recovered = 0;
    const recover = async () => (recovered += await coordinator.recoverPending()) >= 3;
    expect(
      await waitFor('the recoveries', async () => ((await recover()) ? true : undefined)),
    ).toBe(true);
    expect(recovered).toBe(3);
    for (const [i, agent] of spread.entries()) {
      expect(await coordinator.ack(agent, tokens[i])).toBe(false);
      const again = await coordinator.receive(agent, 5_000);
      expect(again?.queueMessage.deliveryAttempts).toBe(1);
      expect(await coordinator.extend(agent, again!.token, 10_000)).toBe(true);
      expect(await coordinator.ack(agent, again!.token)).toBe(true);
    }
    const listed = await coordinator.listQueues();
    for (const agent of spread) expect(listed).toContainEqual(agent);
  });

  it('broadcasts across slots, one copy per recipient', async () => {
    const results = await coordinator.broadcastMessage(sender, event({ all: true }), spread);
    expect(results.map((r) => r.delivered)).toEqual([true, true, true]);
    for (const agent of spread) {
      const delivery = await coordinator.receive(agent);
      expect(delivery?.queueMessage.message.recipient).toEqual(agent);
      expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
    }
  });

  it('sends a batch across slots in one pipeline per recipient, keeping the order', async () => {
    const batch = [0, 1, 2, 3, 4, 5].map((i) => ({
      recipient: spread[i % spread.length],
      message: event({ i }),
    }));
    const results = await coordinator.sendMessages(sender, batch);
    expect(results.map((r) => r.delivered)).toEqual([true, true, true, true, true, true]);
    for (const [k, agent] of spread.entries()) {
      const seen: unknown[] = [];
      for (let n = 0; n < 2; n += 1) {
        const delivery = await coordinator.receive(agent);
        seen.push(delivery?.queueMessage.message.payload);
        expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
      }
      expect(seen).toEqual([{ i: k }, { i: k + spread.length }]);
    }
  });

  it('publishes an event to subscribers on every master', async () => {
    const subscriptions = await Promise.all(
      spread.map((agent) => coordinator.subscribeToMessages(agent, [MessageType.EVENT])),
    );
    const results = await coordinator.publish(sender, event({ topic: 'news' }));
    expect(results.filter((r) => r.delivered)).toHaveLength(3);
    for (const agent of spread) {
      const delivery = await coordinator.receive(agent);
      expect(delivery?.queueMessage.message.payload).toEqual({ topic: 'news' });
      await coordinator.ack(agent, delivery!.token);
    }
    for (const s of subscriptions)
      expect(await coordinator.unsubscribe(s.subscriptionId)).toBe(true);
  });

  it('wakes a blocked receiver when a message arrives (BLPOP through the cluster)', async () => {
    const agent = spread[1];
    let sentAt = 0;
    // The send comes once the receive is waiting (blocked in BLPOP).
    const delivery = await whileWaiting(
      coordinator,
      () => coordinator.receive(agent, 5_000, { waitMs: 20_000 }),
      async () => {
        sentAt = Date.now();
        await coordinator.sendMessage(sender, agent, event({ wake: true }));
      },
    );
    expect(delivery?.queueMessage.message.payload).toEqual({ wake: true });
    // Woken by the send, long before waitMs ran out (generous bound: loaded CI).
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    await coordinator.ack(agent, delivery!.token);
  });

  it('hands each message to exactly one of many concurrent receivers on separate clients', async () => {
    const agent = spread[2];
    const total = 150;
    const sends = await Promise.all(
      Array.from({ length: total }, (_, n) => coordinator.sendMessage(sender, agent, event({ n }))),
    );
    expect(sends.every((s) => s.delivered)).toBe(true);
    const receivers = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = await fixture.connect();
        return new RedisMessageCoordinator(client, { keyPrefix: prefix });
      }),
    );
    const seen: number[] = [];
    await Promise.all(
      receivers.map(async (receiver) => {
        for (;;) {
          const delivery = await receiver.receive(agent, 30_000);
          if (!delivery) return;
          seen.push(delivery.queueMessage.message.payload.n as number);
          expect(await receiver.ack(agent, delivery.token)).toBe(true);
        }
      }),
    );
    await Promise.all(receivers.map((r) => r.close()));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('answers a request with a reply across slots', async () => {
    const responder = spread[0];
    const serving = (async () => {
      const delivery = await coordinator.receive(responder, 5_000, { waitMs: 5_000 });
      const request = delivery!.queueMessage.message;
      await coordinator.reply(responder, request, { answer: (request.payload.q as number) * 2 });
      await coordinator.ack(responder, delivery!.token);
    })();
    const response = await coordinator.request(
      sender,
      responder,
      { messageType: MessageType.REQUEST, payload: { q: 21 } },
      { timeoutMs: 5_000 },
    );
    await serving;
    expect(response.messageType).toBe(MessageType.RESPONSE);
    expect(response.payload).toEqual({ answer: 42 });
  });
});
