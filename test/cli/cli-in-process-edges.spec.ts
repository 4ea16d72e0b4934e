import { FailureType, MessageType, RedisAgentRegistry, RedisMessageCoordinator } from '../../lib';
import { runCli } from '../../lib/cli';
import { KeyLayout } from '../../lib/common/key-layout';
import { findFreePorts } from '../support/redis-server';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI in this process; `onOut` sees every text written, with the texts so far. */
async function cli(
  args: string[],
  options: { isTTY?: boolean; stop?: AbortSignal; onOut?: (out: string[]) => void } = {},
): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    {
      out: (text) => {
        out.push(text);
        options.onOut?.(out);
      },
      isTTY: options.isTTY ?? false,
    },
    (text) => err.push(text),
    options.stop ?? new AbortController().signal,
  );
  return { code, out, err };
}

describe('CLI in process: edge cases', () => {
  const prefix = uniquePrefix('cli-edges');
  const redis = createClient();
  const coordinator = new RedisMessageCoordinator(redis, { keyPrefix: prefix });
  const registry = new RedisAgentRegistry(redis, {
    keyPrefix: prefix,
    heartbeatTtlMs: 120_000,
    autoHeartbeat: false,
    subscribeEvents: false,
  });
  const lapsing = new RedisAgentRegistry(redis, {
    keyPrefix: prefix,
    heartbeatTtlMs: 300,
    heartbeatIntervalMs: 100,
    retainExpiredMs: 600_000,
    autoHeartbeat: false,
    subscribeEvents: false,
  });
  const worker = { type: 'worker', instance: 'w1' };
  const planner = { type: 'planner' };

  async function deadLetter(messageId: string, error?: string): Promise<void> {
    await coordinator.sendMessage(planner, worker, {
      messageType: MessageType.EVENT,
      payload: { id: messageId },
      messageId,
    });
    const delivery = await coordinator.receive(worker, 10_000);
    expect(delivery?.queueMessage.message.messageId).toBe(messageId);
    await coordinator.nack(worker, delivery!.token, FailureType.PERMANENT, error);
  }

  beforeAll(async () => {
    await deadLetter('silent-1', '');
    await deadLetter('loud-1', 'boom');
    await coordinator.sendMessage(planner, planner, {
      messageType: MessageType.EVENT,
      payload: {},
      messageId: 'ready-1',
    });
    await registry.register({
      agentId: { type: 'metrics' },
      name: 'Metrics',
      statusSnapshot: () => ({ load: 3 }),
    });
    await lapsing.register({
      agentId: { type: 'ghost' },
      name: 'Ghost',
      statusSnapshot: () => ({ state: 'gone' }),
    });
  });

  afterAll(async () => {
    await coordinator.close();
    await registry.close();
    await lapsing.close();
    await deleteKeys(redis, prefix);
    await closeClients();
  });

  it('accepts type/instance agent arguments and shows a dead letter without an error as blank', async () => {
    const listed = await cli(['--prefix', prefix, '--json', 'dlq', 'list', 'worker/w1']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.out[0]) as { id: string; lastError: string }[];
    expect(rows.map((r) => [r.id, r.lastError])).toEqual([
      ['silent-1', ''],
      ['loud-1', 'boom'],
    ]);
  });

  it('queues shows 0 dead letters uncoloured and colours the others on a terminal', async () => {
    const run = await cli(['--prefix', prefix, 'queues'], { isTTY: true });
    expect(run.code).toBe(0);
    const lines = run.out[0].split('\n');
    expect(lines.find((l) => l.startsWith('planner/default'))).toMatch(
      /^planner\/default\s+1\s+0\s+0\s+0\s+\d+s$/,
    );
    expect(lines.find((l) => l.startsWith('worker/w1'))).toContain('\u001b[31m2\u001b[0m');
  });

  it('dlq show fails with exit 1 for an unknown id', async () => {
    const run = await cli(['--prefix', prefix, 'dlq', 'show', 'worker/w1', 'nope']);
    expect([run.code, run.err]).toEqual([1, ['error: no dead letter nope for worker/w1']]);
  });

  it('dlq purge refuses without --yes and keeps the dead letters', async () => {
    const run = await cli(['--prefix', prefix, 'dlq', 'purge', 'worker/w1']);
    expect(run.code).toBe(2);
    expect(run.err[0]).toContain('confirm with --yes');
    expect((await coordinator.stats(worker)).deadLettered).toBe(2);
  });

  it('dlq replay of named ids moves only those back to the queue', async () => {
    const run = await cli(['--prefix', prefix, 'dlq', 'replay', 'worker/w1', 'loud-1']);
    expect([run.code, run.out]).toEqual([0, ['replayed 1 dead letter(s) of worker/w1']]);
    expect(await coordinator.stats(worker)).toMatchObject({ ready: 1, deadLettered: 1 });
    const again = await coordinator.receive(worker, 10_000);
    expect(again?.queueMessage.message.messageId).toBe('loud-1');
    await coordinator.nack(worker, again!.token, FailureType.PERMANENT, 'boom');
  });

  it('dlq list reads past the first page of 500 dead letters', async () => {
    const agent = { type: 'bulk' };
    const count = 501;
    for (let i = 0; i < count; i++) {
      await coordinator.sendMessage(planner, agent, {
        messageType: MessageType.EVENT,
        payload: {},
        messageId: `bulk-${String(i).padStart(4, '0')}`,
      });
      const delivery = await coordinator.receive(agent, 10_000);
      await coordinator.nack(agent, delivery!.token, FailureType.PERMANENT);
    }
    const run = await cli(['--prefix', prefix, '--json', 'dlq', 'list', 'bulk']);
    expect(run.code).toBe(0);
    const ids = (JSON.parse(run.out[0]) as { id: string }[]).map((r) => r.id);
    expect(ids).toHaveLength(count);
    expect(ids[count - 1]).toBe('bulk-0500');
    expect(new Set(ids).size).toBe(count);
  });

  it('agents shows a status without status/state as JSON and a lapsed agent as not alive', async () => {
    expect(
      await eventually(
        async () =>
          (await lapsing.listRegistered()).some((a) => a.agentId.type === 'ghost' && !a.alive),
        10_000,
      ),
    ).toBe(true);
    const run = await cli(['--prefix', prefix, 'agents'], { isTTY: true });
    expect(run.code).toBe(0);
    const lines = run.out[0].split('\n');
    expect(lines.find((l) => l.startsWith('metrics'))).toMatch(/\{"load":3\}$/);
    expect(lines.find((l) => l.startsWith('ghost'))).toContain('\u001b[31mno\u001b[0m');
  });

  it('agents --watch without a period is accepted and stops when interrupted', async () => {
    const controller = new AbortController();
    const run = await cli(['--prefix', prefix, 'agents', '--watch'], {
      stop: controller.signal,
      onOut: () => controller.abort(),
    });
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
  });

  it('agents --watch stops at once when interrupted while waiting, without another refresh', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = await cli(['--prefix', prefix, 'agents', '--watch', '600000'], {
      stop: controller.signal,
      onOut: () => setTimeout(() => controller.abort(), 20),
    });
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('agents --watch --json separates refreshes with an empty line', async () => {
    const controller = new AbortController();
    const run = await cli(['--prefix', prefix, '--json', 'agents', '--watch', '200'], {
      stop: controller.signal,
      onOut: (out) => {
        if (out.length >= 3) controller.abort();
      },
    });
    expect(run.code).toBe(0);
    expect(run.out[1]).toBe('');
    expect(JSON.parse(run.out[0])).toEqual(JSON.parse(run.out[2]));
  });

  it('refuses a watch period that is not a whole number of at least 200 ms', async () => {
    for (const period of ['100', 'soon', '250.5']) {
      const run = await cli(['--prefix', prefix, 'agents', '--watch', period]);
      expect([run.code, run.err]).toEqual([
        2,
        ['error: --watch takes a period of at least 200 ms'],
      ]);
    }
  });

  it('breakers reset of an unknown breaker fails with exit 1', async () => {
    const run = await cli(['--prefix', prefix, 'breakers', 'reset', 'missing']);
    expect([run.code, run.err]).toEqual([1, ['error: no breaker named missing']]);
  });

  it('reports a Redis failure during a command with exit 1', async () => {
    const broken = uniquePrefix('cli-edges-broken');
    await redis.set(new KeyLayout(broken).breakerIndex, 'not a set');
    try {
      const run = await cli(['--prefix', broken, 'breakers']);
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(/^error: .*listNames.*WRONGTYPE/);
    } finally {
      await deleteKeys(redis, broken);
    }
  });

  it('reports an unreachable Redis with exit 1 and the connection error', async () => {
    const [port] = await findFreePorts(1);
    const url = `redis://127.0.0.1:${port}`;
    const run = await cli(['--url', url, 'queues']);
    expect(run.code).toBe(1);
    expect(run.err).toEqual([
      `error: cannot reach Redis at ${url}: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('reports an unknown option through the error writer with exit 2', async () => {
    const run = await cli(['queues', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toContain("unknown option '--bogus'");
  });

  it('by default writes to stdout and stderr and stops --watch on SIGINT or SIGTERM', async () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = {
      SIGINT: new Set(process.listeners('SIGINT')),
      SIGTERM: new Set(process.listeners('SIGTERM')),
    };
    const added = (signal: 'SIGINT' | 'SIGTERM'): NodeJS.SignalsListener[] =>
      process.listeners(signal).filter((listener) => !before[signal].has(listener));
    try {
      expect(await runCli(['queues', '--bogus'])).toBe(2);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain(
        "unknown option '--bogus'",
      );
      const watching = runCli(['--prefix', prefix, 'agents', '--watch', '600000']);
      expect(await eventually(() => stdout.mock.calls.length > 0, 10_000)).toBe(true);
      expect(String(stdout.mock.calls[0][0])).toMatch(/^TYPE\s+INSTANCE/);
      const [interrupt] = added('SIGTERM').slice(-1);
      interrupt('SIGTERM');
      expect(await watching).toBe(0);
      expect(stdout).toHaveBeenCalledTimes(1);
      // Every run removed its signal listeners again: none pile up in a long-lived process.
      expect([...added('SIGINT'), ...added('SIGTERM')]).toEqual([]);
    } finally {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        for (const listener of added(signal)) process.removeListener(signal, listener);
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('lets a failure of the output itself escape instead of calling it a usage error', async () => {
    const broken = new Error('EPIPE');
    await expect(
      runCli(
        ['--help'],
        {
          out: () => {
            throw broken;
          },
          isTTY: false,
        },
        () => undefined,
        new AbortController().signal,
      ),
    ).rejects.toBe(broken);
  });
});
