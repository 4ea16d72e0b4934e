import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { isAgentCoordinationError } from '../../lib/errors';
import { MessageType, RedisMessageCoordinator, type AgentId } from '../../lib/messaging';
import { RedisAgentRegistry } from '../../lib/registry';
import { RedisServerProcess } from '../support/redis-server';
import { eventually } from '../support/redis';
import { DeliveryLedger, RejectionRecorder, sleep } from './delivery-ledger';

/**
 * Connections are cut with CLIENT KILL (from a separate admin connection, targeted through
 * CLIENT LIST) while the coordinator sends, waits in BLPOP, receives and acks, and while the
 * registry beats. Everything carries on after ioredis reconnects; nothing is lost; no promise
 * rejection goes unhandled.
 */

jest.setTimeout(120_000);

const NAME = 'tta-chaos-faults';
const sender: AgentId = { type: 'producer' };

interface ClientInfo {
  id: string;
  name: string;
  cmd: string;
  flags: string;
}

describe('connections killed with CLIENT KILL', () => {
  let server: RedisServerProcess;
  let admin: Redis;
  let client: Redis;
  let coordinator: RedisMessageCoordinator;
  let recorder: RejectionRecorder;
  let faults = 0;
  const figures: Record<string, unknown> = {};

  async function clients(): Promise<ClientInfo[]> {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const info = new Map(line.split(' ').map((field) => field.split('=') as [string, string]));
        return {
          id: info.get('id') ?? '',
          name: info.get('name') ?? '',
          cmd: info.get('cmd') ?? '',
          flags: info.get('flags') ?? '',
        };
      });
  }

  /** Whether a connection of the coordinator's is blocked in BLPOP now. */
  async function blockedInBlpop(): Promise<boolean> {
    return (await clients()).some(
      (c) => c.name === NAME && c.cmd === 'blpop' && c.flags.includes('b'),
    );
  }

  /** Kills every connection named `name` (optionally only those running `cmd`); the count. */
  async function kill(name = NAME, cmd?: string): Promise<number> {
    let killed = 0;
    for (const info of await clients()) {
      if (info.name !== name || (cmd && info.cmd !== cmd)) continue;
      killed += (await admin.client('KILL', 'ID', info.id)) as number;
    }
    faults += killed;
    return killed;
  }

  beforeAll(async () => {
    server = await RedisServerProcess.start();
    admin = server.connect({ connectionName: 'tta-chaos-admin' });
    client = server.connect({ connectionName: NAME, retryStrategy: () => 20 });
    await client.ping();
    coordinator = new RedisMessageCoordinator(client, {
      keyPrefix: `t.faults.${randomBytes(4).toString('hex')}`,
    });
    recorder = new RejectionRecorder();
  });

  afterAll(async () => {
    await coordinator?.close();
    recorder?.stop();
    await server?.destroy();
    process.stdout.write(`connection-faults: ${JSON.stringify({ faults, ...figures })}\n`);
  });

  afterEach(async () => {
    // Let rejections of the test's own promises surface before checking.
    await sleep(50);
    expect(recorder.reasons).toEqual([]);
  });

  it('during sends: each send reports its outcome, a retry never enqueues twice', async () => {
    const agent = { type: 'faults', instance: 'send' };
    const ids = Array.from({ length: 300 }, (_, i) => `send-${i}`);
    const send = (messageId: string) =>
      coordinator.sendMessage(sender, agent, {
        messageId,
        messageType: MessageType.EVENT,
        payload: { messageId },
      });
    const pending = ids.map((id) => send(id));
    await sleep(2);
    expect(await kill()).toBeGreaterThan(0);
    const results = await Promise.all(pending);
    // Never a throw: delivered, or not delivered with the reason.
    for (const r of results) if (!r.delivered) expect(r.error).toBeTruthy();
    const retried = results.filter((r) => !r.delivered && !r.duplicate);
    for (const r of retried) {
      const again = await send(r.messageId);
      expect(again.delivered || again.duplicate).toBe(true);
    }
    const seen = new Set<string>();
    for (;;) {
      const delivery = await coordinator.receive(agent, 10_000);
      if (!delivery) break;
      const id = delivery.queueMessage.message.messageId;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      await coordinator.ack(agent, delivery.token);
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    figures.sendsFailedThenRetried = retried.length;
  });

  it('during a blocked BLPOP: the waiter reconnects and still gets the message', async () => {
    const agent = { type: 'faults', instance: 'blpop' };
    for (let round = 0; round < 3; round++) {
      const waiting = coordinator.receive(agent, 10_000, { waitMs: 30_000 });
      expect(await eventually(blockedInBlpop, 5_000)).toBe(true);
      expect(await kill(NAME, 'blpop')).toBeGreaterThan(0);
      // The waiter notices, and blocks again on a new connection before the message comes.
      expect(await eventually(blockedInBlpop, 5_000)).toBe(true);
      const sent = await coordinator.sendMessage(sender, agent, {
        messageType: MessageType.EVENT,
        payload: { round },
      });
      expect(sent.delivered).toBe(true);
      const delivery = await waiting;
      expect(delivery?.queueMessage.message.payload).toEqual({ round });
      expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
    }
  });

  it('during receives and acks: what was not acked comes back, nothing is lost', async () => {
    const agent = { type: 'faults', instance: 'ack' };
    const ids = Array.from({ length: 200 }, (_, i) => `acked-${i}`);
    for (const messageId of ids)
      await coordinator.sendMessage(sender, agent, {
        messageId,
        messageType: MessageType.EVENT,
        payload: {},
      });
    const ledger = new DeliveryLedger();
    const visibility = 300;
    let errors = 0;
    const take = async () => {
      try {
        const delivery = await coordinator.receive(agent, visibility);
        if (!delivery) return false;
        const id = ledger.delivered(delivery, visibility);
        ledger.processed.add(id);
        if (await coordinator.ack(agent, delivery.token)) ledger.ackConfirmed(id, delivery.token);
        return true;
      } catch (error) {
        // Redis trouble surfaces as a typed, retryable error.
        expect(isAgentCoordinationError(error)).toBe(true);
        errors++;
        return true;
      }
    };
    const batch = Array.from({ length: 100 }, () => take());
    await sleep(3);
    await kill();
    await Promise.all(batch);
    // Drain, recovering reservations whose reply or ack was lost once they lapse.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (await take()) continue;
      const stats = await coordinator.stats(agent);
      if (stats.ready + stats.delayed + stats.reserved === 0) break;
      await sleep(visibility / 3);
      await coordinator.recoverPending(agent);
    }
    expect(ledger.lost(ids)).toEqual([]);
    expect(ledger.resurrected).toBe(0);
    expect(ledger.overlapping()).toBe(0);
    expect(await coordinator.stats(agent)).toMatchObject({ ready: 0, reserved: 0, delayed: 0 });
    figures.ackPhaseErrors = errors;
  });

  it('under a steady stream with a kill every ~100 ms: no loss, no overlapping delivery', async () => {
    const agent = { type: 'faults', instance: 'stream' };
    const ledger = new DeliveryLedger();
    const sent = new Set<string>();
    const visibility = 500;
    let producing = true;
    let stop = false;
    let typedErrors = 0;
    const producer = (async () => {
      for (let i = 0; i < 600; i++) {
        const messageId = `stream-${i}`;
        for (;;) {
          const r = await coordinator.sendMessage(sender, agent, {
            messageId,
            messageType: MessageType.EVENT,
            payload: { i },
          });
          if (r.delivered || r.duplicate) break;
          await sleep(5);
        }
        sent.add(messageId);
        if (i % 10 === 0) await sleep(2);
      }
      producing = false;
    })();
    const consumer = async () => {
      while (!stop) {
        try {
          const delivery = await coordinator.receive(agent, visibility, { waitMs: 100 });
          if (!delivery) {
            const stats = await coordinator.stats(agent);
            if (!producing && stats.ready + stats.delayed + stats.reserved === 0) return;
            await coordinator.recoverPending(agent);
            continue;
          }
          const id = ledger.delivered(delivery, visibility);
          ledger.processed.add(id);
          if (await coordinator.ack(agent, delivery.token)) ledger.ackConfirmed(id, delivery.token);
        } catch (error) {
          expect(isAgentCoordinationError(error)).toBe(true);
          typedErrors++;
          await sleep(10);
        }
      }
    };
    const consumers = [consumer(), consumer(), consumer()];
    let kills = 0;
    const injector = (async () => {
      while (producing) {
        await sleep(60 + Math.random() * 80);
        kills += await kill();
      }
    })();
    try {
      await producer;
      await injector;
      const timer = setTimeout(() => (stop = true), 60_000);
      await Promise.all(consumers);
      clearTimeout(timer);
      expect(stop).toBe(false);
    } finally {
      stop = true;
      await Promise.allSettled(consumers);
    }
    expect(sent.size).toBe(600);
    expect(ledger.lost(sent)).toEqual([]);
    expect(ledger.resurrected).toBe(0);
    expect(ledger.overlapping()).toBe(0);
    figures.stream = {
      messages: sent.size,
      kills,
      deliveries: ledger.totalDeliveries,
      typedErrors,
    };
  });

  it('during registry heartbeats: the agent stays registered and keeps beating', async () => {
    const registryClient = server.connect({
      connectionName: `${NAME}-registry`,
      retryStrategy: () => 20,
    });
    const errors: string[] = [];
    const registry = new RedisAgentRegistry(registryClient, {
      keyPrefix: `t.faults-registry.${randomBytes(4).toString('hex')}`,
      heartbeatTtlMs: 3_000,
      heartbeatIntervalMs: 50,
      onError: (error, context) => errors.push(`${context}: ${error.message}`),
    });
    try {
      await registry.ready();
      const agentId = { type: 'beating', instance: 'b1' };
      await registry.register({
        agentId,
        name: 'beating agent',
        statusSnapshot: () => ({ ok: true }),
      });
      await registry.startHeartbeats();
      let kills = 0;
      for (let i = 0; i < 10; i++) {
        await sleep(40 + Math.random() * 40);
        kills += await kill(`${NAME}-registry`);
      }
      const before = (await registry.getAgent(agentId))!.lastHeartbeat;
      // Beats go on after the kills (every 50 ms; waited for with a deadline).
      const beatAgain = async () =>
        ((await registry.getAgent(agentId))?.lastHeartbeat ?? before) > before;
      expect(await eventually(beatAgain, 5_000)).toBe(true);
      const after = await registry.getAgent(agentId);
      expect(after).not.toBeNull();
      expect(after!.lastHeartbeat).toBeGreaterThan(before);
      expect((await registry.listRegistered()).map((a) => a.agentId)).toContainEqual(agentId);
      figures.heartbeat = { kills, reportedErrors: errors.length };
    } finally {
      await registry.close();
    }
  });
});
