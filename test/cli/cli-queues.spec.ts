import { FailureType, MessageType, RedisMessageCoordinator } from '../../lib';
import { runCliProcess } from '../support/cli';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

describe('CLI: queues and dead letters', () => {
  const prefix = uniquePrefix('cli');
  const redis = createClient();
  const coordinator = new RedisMessageCoordinator(redis, { keyPrefix: prefix });
  const worker = { type: 'worker', instance: 'w1' };
  const idle = { type: 'idle' };
  const deadIds: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      await coordinator.sendMessage({ type: 'planner' }, worker, {
        messageType: MessageType.EVENT,
        payload: { i },
        messageId: `job-0000${i}`,
      });
    }
    await coordinator.sendMessage({ type: 'planner' }, idle, {
      messageType: MessageType.EVENT,
      payload: {},
    });
    const idleDelivery = await coordinator.receive(idle, 60_000);
    expect(idleDelivery).not.toBeNull();
    for (let i = 0; i < 2; i++) {
      const delivery = await coordinator.receive(worker, 1_000);
      await coordinator.nack(worker, delivery!.token, FailureType.PERMANENT, `bad input ${i}`);
      deadIds.push(delivery!.queueMessage.message.messageId);
    }
  });

  afterAll(async () => {
    await coordinator.close();
    await deleteKeys(redis, prefix);
    await closeClients();
  });

  it('queues prints one row per agent with its counts', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'queues']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^AGENT\s+READY\s+DELAYED\s+RESERVED\s+DEAD\s+OLDEST READY$/);
    expect(lines.find((l) => l.startsWith('worker/w1'))).toMatch(
      /^worker\/w1\s+2\s+0\s+0\s+2\s+\d+s$/,
    );
    expect(lines.find((l) => l.startsWith('idle/default'))).toMatch(
      /^idle\/default\s+0\s+0\s+1\s+0\s+-$/,
    );
  });

  it('queues --json gives the same figures for scripts', async () => {
    const run = await runCliProcess(['--prefix', prefix, '--json', 'queues']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as {
      agent: string;
      ready: number;
      reserved: number;
      deadLettered: number;
    }[];
    expect(rows.map((r) => [r.agent, r.ready, r.reserved, r.deadLettered])).toEqual([
      ['idle/default', 0, 1, 0],
      ['worker/w1', 2, 0, 2],
    ]);
  });

  it('dlq list shows id, type, attempts and last error, oldest first', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'dlq', 'list', 'worker/w1']);
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${deadIds[0]}\\s+event\\s+1\\s+bad input 0\\s+\\d+s$`));
    expect(rows[1]).toMatch(new RegExp(`^${deadIds[1]}\\s+event\\s+1\\s+bad input 1\\s+\\d+s$`));
  });

  it('dlq show prints one dead letter in full, and fails for an unknown id', async () => {
    const shown = await runCliProcess(['--prefix', prefix, 'dlq', 'show', 'worker/w1', deadIds[1]]);
    expect(shown.code).toBe(0);
    const letter = JSON.parse(shown.stdout) as {
      message: { messageId: string; payload: unknown };
      lastError: string;
    };
    expect(letter.message.messageId).toBe(deadIds[1]);
    expect(letter.lastError).toBe('bad input 1');
    const missing = await runCliProcess([
      '--prefix',
      prefix,
      'dlq',
      'show',
      'worker/w1',
      'nope-123',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no dead letter nope-123');
  });

  it('dlq replay puts the named dead letter back in the queue', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'dlq', 'replay', 'worker/w1', deadIds[0]]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('replayed 1 dead letter(s) of worker/w1');
    expect(await coordinator.stats(worker)).toEqual({
      ready: 3,
      delayed: 0,
      reserved: 0,
      deadLettered: 1,
    });
  });

  it('dlq purge refuses without --yes and purges with it', async () => {
    const refused = await runCliProcess(['--prefix', prefix, 'dlq', 'purge', 'worker/w1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('confirm with --yes');
    expect((await coordinator.stats(worker)).deadLettered).toBe(1);
    const purged = await runCliProcess(['--prefix', prefix, 'dlq', 'purge', 'worker/w1', '--yes']);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('purged 1 dead letter(s)');
    expect((await coordinator.stats(worker)).deadLettered).toBe(0);
  });

  it('exits 2 with a one-line reason on bad arguments', async () => {
    const badAgent = await runCliProcess(['--prefix', prefix, 'dlq', 'list', 'bad:agent']);
    expect(badAgent.code).toBe(2);
    expect(badAgent.stderr.trim()).toBe(
      'error: not an agent id: "bad:agent" (expected type or type/instance)',
    );
    const badPrefix = await runCliProcess(['--prefix', 'a{b}', 'queues']);
    expect(badPrefix.code).toBe(2);
    const unknown = await runCliProcess(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 1 with a one-line reason when Redis cannot be reached', async () => {
    const run = await runCliProcess(['--url', 'redis://127.0.0.1:1', 'queues']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });
});
