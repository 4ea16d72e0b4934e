import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import { MessageType, RedisMessageCoordinator } from '../../lib/messaging';
import { RedisServerProcess } from '../support/redis-server';
import { serverNow, untilServerTimePasses } from '../support/wait';
import { DeliveryLedger } from './delivery-ledger';
import { childEnv, compileForChild } from './fixtures/compile-for-child';

/**
 * A consumer process is killed with SIGKILL while a handler is mid-message. Its reservations
 * must stay put until the visibility timeout, then come back through recoverPending and be
 * processed once more; across all runs nothing is lost.
 */

jest.setTimeout(120_000);

const RUNS = 10;
const MESSAGES = 200;
const VISIBILITY_MS = 400;
const sender = { type: 'producer' };

interface ChildReport {
  got: Map<string, { token: string; deadline: number }[]>;
  acked: Map<string, string>;
  done: Set<string>;
  hung?: string;
}

/** Starts the consumer and resolves once it hangs mid-handler; it is then killed. */
function runConsumerUntilHang(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; report: ChildReport }> {
  const child = spawn(process.execPath, [script], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const report: ChildReport = { got: new Map(), acked: new Map(), done: new Set() };
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`consumer never hung:\n${stderr}`));
    }, 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!report.hung) reject(new Error(`consumer exited (${code}) before hanging:\n${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, id, token, deadline] = line.split(' ');
      if (kind === 'got') {
        const list = report.got.get(id) ?? [];
        list.push({ token, deadline: Number(deadline) });
        report.got.set(id, list);
      } else if (kind === 'done') report.done.add(id);
      else if (kind === 'ack') report.acked.set(id, token);
      else if (kind === 'hang' && !report.hung) {
        report.hung = id;
        clearTimeout(timer);
        // Killed at once: the hung handler and whatever the other workers hold are mid-message.
        child.kill('SIGKILL');
        resolve({ child, report });
      }
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('a consumer process killed with SIGKILL mid-handler', () => {
  let server: RedisServerProcess;
  let client: Redis;
  /** The consumer, compiled once to JavaScript: each run starts it in plain node. */
  let compiled: string;
  let script: string;
  const figures = { runs: 0, messages: 0, inFlightAtKill: 0, reprocessed: 0, lost: 0, overlaps: 0 };

  beforeAll(async () => {
    compiled = compileForChild();
    script = join(compiled, 'test', 'chaos', 'fixtures', 'crash-consumer.js');
    server = await RedisServerProcess.start();
    client = server.connect();
  });

  afterAll(async () => {
    await server?.destroy();
    if (compiled) rmSync(compiled, { recursive: true, force: true });
    process.stdout.write(`consumer-crash: ${JSON.stringify(figures)}\n`);
  });

  it(`loses nothing over ${RUNS} runs of ${MESSAGES} messages`, async () => {
    const prefix = `t.crash.${randomBytes(4).toString('hex')}`;
    const keys = new KeyLayout(prefix);
    const coordinator = new RedisMessageCoordinator(client, { keyPrefix: prefix });
    try {
      for (let run = 0; run < RUNS; run++) {
        const agent = { type: 'crash', instance: `run-${run}` };
        const ledger = new DeliveryLedger();
        const sent: string[] = [];
        for (let i = 0; i < MESSAGES; i++) {
          const messageId = `run-${run}-msg-${i}`;
          const result = await coordinator.sendMessage(sender, agent, {
            messageId,
            messageType: MessageType.EVENT,
            payload: { i },
          });
          expect(result.delivered).toBe(true);
          sent.push(messageId);
        }

        const hangAfter = 10 + Math.floor(Math.random() * (MESSAGES - 40));
        const { child, report } = await runConsumerUntilHang(script, {
          REDIS_URL: server.url,
          KEY_PREFIX: prefix,
          AGENT_INSTANCE: agent.instance,
          VISIBILITY_MS: String(VISIBILITY_MS),
          WORKERS: '4',
          HANG_AFTER: String(hangAfter),
        });
        await exited(child);
        for (const [id, list] of report.got)
          for (const d of list) ledger.deliveredElsewhere(id, d.token, d.deadline, VISIBILITY_MS);
        for (const [id, token] of report.acked) ledger.ackConfirmed(id, token);
        for (const id of report.done) ledger.processed.add(id);

        // What the dead consumer held: Redis is the truth, the hung handler is among it.
        const reserved = await client.zrange(keys.queue(agent).reserved, 0, -1, 'WITHSCORES');
        const held: string[] = [];
        let latest = 0;
        let earliest = Infinity;
        for (let i = 0; i < reserved.length; i += 2) {
          held.push(reserved[i].replace(/^\d+:\d+:/, ''));
          latest = Math.max(latest, Number(reserved[i + 1]));
          earliest = Math.min(earliest, Number(reserved[i + 1]));
        }
        expect(held).toContain(report.hung);
        for (const id of held) expect(ledger.acked.has(id)).toBe(false);

        // Nothing comes back before the visibility timeout: checked while the first of the
        // held deadlines (the hung handler's, reserved before the others) is still well ahead
        // on the server's clock.
        if ((await serverNow(client)) < earliest - 100) {
          expect(await coordinator.recoverPending(agent)).toBe(0);
        }
        // All of them come back once the last deadline has passed on the server's clock.
        await untilServerTimePasses(client, latest);
        expect(await coordinator.recoverPending(agent)).toBe(held.length);

        // A fresh consumer drains the rest; the held messages are processed once more.
        const again = new Set<string>();
        for (;;) {
          const delivery = await coordinator.receive(agent, 10_000);
          if (!delivery) break;
          const id = ledger.delivered(delivery, 10_000);
          if (ledger.processed.has(id) || held.includes(id)) again.add(id);
          if (held.includes(id)) expect(delivery.queueMessage.deliveryAttempts).toBe(1);
          ledger.processed.add(id);
          expect(await coordinator.ack(agent, delivery.token)).toBe(true);
          ledger.ackConfirmed(id, delivery.token);
        }
        expect([...again].sort()).toEqual([...held].sort());
        expect(await coordinator.stats(agent)).toEqual({
          ready: 0,
          delayed: 0,
          reserved: 0,
          deadLettered: 0,
        });
        expect(ledger.lost(sent)).toEqual([]);
        expect(ledger.resurrected).toBe(0);
        expect(ledger.overlapping()).toBe(0);

        figures.runs++;
        figures.messages += MESSAGES;
        figures.inFlightAtKill += held.length;
        figures.reprocessed += again.size;
        figures.lost += ledger.lost(sent).length;
        figures.overlaps += ledger.overlapping();
      }
    } finally {
      await coordinator.close();
    }
  });
});
