import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { MessageType, RedisMessageCoordinator } from '../../lib/messaging';
import { RedisServerProcess } from '../support/redis-server';
import { DeliveryLedger, RejectionRecorder, sleep } from './delivery-ledger';

/**
 * Redis with AOF (`appendfsync always`) is restarted while a producer and consumers run:
 * once with SIGTERM (a clean shutdown) and once with SIGKILL (a crash). After reconnecting,
 * every message whose ack returned true stays acknowledged (never delivered again) and every
 * other one is still delivered.
 */

jest.setTimeout(120_000);

const MESSAGES = 400;
const CONSUMERS = 3;
const VISIBILITY_MS = 1_000;
const sender = { type: 'producer' };
const agent = { type: 'restart', instance: 'r1' };

describe('Redis restarted mid-stream (AOF, appendfsync always)', () => {
  let server: RedisServerProcess;
  let client: Redis;
  let recorder: RejectionRecorder;

  beforeAll(async () => {
    server = await RedisServerProcess.start({
      args: ['--appendonly', 'yes', '--appendfsync', 'always'],
    });
    // Commands wait out the restart in ioredis's offline queue, retried a few times.
    client = server.connect({ maxRetriesPerRequest: 50, retryStrategy: () => 50 });
    recorder = new RejectionRecorder();
  });

  afterAll(async () => {
    recorder?.stop();
    await server?.destroy();
  });

  it('keeps acknowledged messages acknowledged and delivers every other one', async () => {
    const coordinator = new RedisMessageCoordinator(client, {
      keyPrefix: `t.restart.${randomBytes(4).toString('hex')}`,
    });
    const ledger = new DeliveryLedger();
    const sent = new Set<string>();
    let producing = true;
    let sendFailures = 0;
    let receiveFailures = 0;
    let ackFailures = 0;

    const producer = (async () => {
      for (let i = 0; i < MESSAGES; i++) {
        const messageId = `restart-${i}`;
        for (;;) {
          const result = await coordinator.sendMessage(sender, agent, {
            messageId,
            messageType: MessageType.EVENT,
            payload: { i },
          });
          // A send whose reply was lost may have landed: the retry then reports a duplicate.
          if (result.delivered || result.duplicate) break;
          sendFailures++;
          await sleep(20);
        }
        sent.add(messageId);
        if (i % 20 === 0) await sleep(5);
      }
      producing = false;
    })();

    let stop = false;
    const drained = async (): Promise<boolean> => {
      const stats = await coordinator.stats(agent);
      return stats.ready + stats.delayed + stats.reserved + stats.deadLettered === 0;
    };
    const consumer = async (): Promise<void> => {
      while (!stop) {
        let delivery;
        try {
          delivery = await coordinator.receive(agent, VISIBILITY_MS, { waitMs: 100 });
        } catch {
          receiveFailures++;
          await sleep(20);
          continue;
        }
        if (!delivery) {
          if (!producing && (await drained().catch(() => false))) return;
          // Reservations whose ack was lost come back once they lapse.
          await coordinator.recoverPending(agent).catch(() => receiveFailures++);
          continue;
        }
        const id = ledger.delivered(delivery, VISIBILITY_MS);
        ledger.processed.add(id);
        try {
          if (await coordinator.ack(agent, delivery.token)) ledger.ackConfirmed(id, delivery.token);
          else ackFailures++;
        } catch {
          ackFailures++;
        }
      }
    };
    const consumers = Array.from({ length: CONSUMERS }, () => consumer());
    try {
      const restarts: string[] = [];
      const waitForAcks = async (count: number) => {
        const deadline = Date.now() + 30_000;
        while (ledger.acked.size < count && Date.now() < deadline) await sleep(5);
      };
      await waitForAcks(MESSAGES / 4);
      await server.restart('SIGTERM', 200);
      restarts.push('SIGTERM');
      await waitForAcks(MESSAGES / 2);
      await server.restart('SIGKILL', 200);
      restarts.push('SIGKILL');

      await producer;
      const timeout = setTimeout(() => (stop = true), 60_000);
      await Promise.all(consumers);
      clearTimeout(timeout);
      expect(stop).toBe(false);

      expect(sent.size).toBe(MESSAGES);
      // Every message was delivered and handled; one whose ack reply was lost in the restart
      // may be acknowledged in Redis without the client knowing, but it is never redelivered.
      expect(ledger.lost(sent)).toEqual([]);
      expect(ledger.acked.size).toBeGreaterThanOrEqual(MESSAGES - ackFailures);
      expect(ledger.resurrected).toBe(0);
      expect(ledger.doubleAcks).toBe(0);
      expect(ledger.overlapping()).toBe(0);
      expect(await coordinator.stats(agent)).toEqual({
        ready: 0,
        delayed: 0,
        reserved: 0,
        deadLettered: 0,
      });
      expect(recorder.reasons).toEqual([]);
      process.stdout.write(
        `redis-restart: ${JSON.stringify({
          restarts,
          messages: MESSAGES,
          deliveries: ledger.totalDeliveries,
          redelivered: ledger.totalDeliveries - MESSAGES,
          sendFailures,
          receiveFailures,
          ackFailures,
          ackedConfirmed: ledger.acked.size,
          lost: ledger.lost(sent).length,
          resurrected: ledger.resurrected,
          overlaps: ledger.overlapping(),
        })}\n`,
      );
    } finally {
      stop = true;
      producing = false;
      await Promise.allSettled(consumers);
      await coordinator.close();
    }
  });
});
