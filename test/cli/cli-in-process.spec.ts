import { runCli } from '../../lib/cli';
import { CliFixture } from './cli-fixture';
import { formatAge, renderTable } from '../../lib/cli/table';

/** Runs the CLI in this process, capturing what it prints. */
async function cli(
  args: string[],
  isTTY = false,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), isTTY }, (t) => err.push(t));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI in process', () => {
  const fx = new CliFixture('cli-inproc');
  const { prefix, worker, coordinator, breakers } = fx;

  beforeAll(() => fx.seed());
  afterAll(() => fx.teardown());

  it('prints queues, dead letters, agents and breakers as tables', async () => {
    const queues = await cli(['--prefix', prefix, 'queues']);
    expect(queues.code).toBe(0);
    expect(queues.out).toMatch(/worker\/default\s+1\s+0\s+0\s+1\s+\d+s/);
    const dlq = await cli(['--prefix', prefix, 'dlq', 'list', 'worker']);
    expect(dlq.out).toMatch(/msg-000001\s+event\s+1\s+broken\s+\d+s/);
    const show = await cli(['--prefix', prefix, 'dlq', 'show', 'worker', 'msg-000001']);
    expect(JSON.parse(show.out)).toMatchObject({
      lastError: 'broken',
      message: { payload: { n: 1 } },
    });
    const agents = await cli(['--prefix', prefix, 'agents']);
    expect(agents.out).toMatch(/worker\s+default\s+Worker\s+yes\s+\d+s\s+0\s+ready/);
    const listed = await cli(['--prefix', prefix, 'breakers']);
    expect(listed.out).toMatch(/db\s+open\s+\d+\s+\d+s/);
  });

  it('colours only on a terminal and never in JSON', async () => {
    const tty = await cli(['--prefix', prefix, 'breakers'], true);
    expect(tty.out).toContain('\u001b[31mopen\u001b[0m');
    const json = await cli(['--prefix', prefix, '--json', 'breakers'], true);
    expect(json.out).not.toContain('\u001b[');
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ name: 'db', state: 'open' })]);
  });

  it('replays, purges and resets, refusing what is not confirmed or named', async () => {
    expect((await cli(['--prefix', prefix, 'dlq', 'replay', 'worker'])).code).toBe(2);
    expect(
      (await cli(['--prefix', prefix, 'dlq', 'replay', 'worker', 'msg-000001', '--all'])).code,
    ).toBe(2);
    const replay = await cli(['--prefix', prefix, '--json', 'dlq', 'replay', 'worker', '--all']);
    expect(JSON.parse(replay.out)).toEqual({ replayed: 1, notFound: [] });
    expect(await coordinator.stats(worker)).toMatchObject({ ready: 2, deadLettered: 0 });
    const purge = await cli(['--prefix', prefix, 'dlq', 'purge', 'worker', '--yes']);
    expect(purge.out).toBe('purged 0 dead letter(s) of worker');
    const reset = await cli(['--prefix', prefix, 'breakers', 'reset', 'db']);
    expect(reset.code).toBe(0);
    expect((await breakers.inspect('db')).state).toBe('closed');
  });

  it('reports bad arguments with exit code 2 and help with 0', async () => {
    const bad = await cli(['--prefix', prefix, 'dlq', 'show', 'a:b', 'x']);
    expect([bad.code, bad.err]).toEqual([
      2,
      'error: not an agent id: "a:b" (expected type or type/instance)',
    ]);
    expect((await cli(['--prefix', 'bad prefix', 'queues'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['breakers', 'reset', 'a b'])).code).toBe(2);
  });

  it('agents --watch refreshes until stopped', async () => {
    const controller = new AbortController();
    const out: string[] = [];
    const running = runCli(
      ['--prefix', prefix, 'agents', '--watch', '200'],
      {
        out: (t) => {
          out.push(t);
          if (out.length >= 3) controller.abort();
        },
        isTTY: false,
      },
      () => undefined,
      controller.signal,
    );
    expect(await running).toBe(0);
    expect(out.filter((t) => t.includes('Worker'))).toHaveLength(2);
    expect(out[1]).toMatch(/^\n-- \d{4}-/);
  });

  it('formats ages and empty tables', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(
      [0, 119, 600, 7_199, 90_000, 172_800].map((s) => formatAge(now - s * 1000, now)),
    ).toEqual(['0s', '119s', '10m', '120m', '25h', '2d']);
    expect(formatAge(null)).toBe('-');
    expect(formatAge('not a date')).toBe('-');
    expect(renderTable([], [{ header: 'A', value: () => 'x' }])).toBe('(none)');
  });
});
