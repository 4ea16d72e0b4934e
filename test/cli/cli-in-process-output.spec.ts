import Redis from 'ioredis';
import { runCli } from '../../lib/cli';
import { CliFixture } from './cli-fixture';
import { DEFAULT_KEY_PREFIX } from '../../lib/common/key-layout';
import { findFreePorts } from '../support/redis-server';
import { eventually } from '../support/redis';

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI in this process, capturing what it prints. */
async function cli(args: string[], isTTY = false): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (text) => out.push(text), isTTY },
    (text) => err.push(text),
    new AbortController().signal,
  );
  return { code, out, err };
}

/** The help text with its line wrapping undone. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/**
 * The headers among `headers` whose cell in the first data row is not right-aligned: each
 * cell spans its header's columns, so a right-aligned value narrower than its header starts
 * with blanks.
 */
function notRightAligned(table: string, headers: string[]): string[] {
  const [header, row] = table.split('\n');
  return headers.filter((name) => {
    const start = header.indexOf(name);
    return !/^ +\S+$/.test(row.padEnd(header.length).slice(start, start + name.length));
  });
}

describe('CLI in process: output text', () => {
  const fx = new CliFixture('cli-output');
  const { prefix } = fx;

  beforeAll(() => fx.seed());
  afterAll(() => fx.teardown());

  it('prints table headers and right-aligns the numeric columns', async () => {
    const queues = (await cli(['--prefix', prefix, 'queues'])).out[0];
    expect(queues.split('\n')[0]).toMatch(
      /^AGENT\s+READY\s+DELAYED\s+RESERVED\s+DEAD\s+OLDEST READY$/,
    );
    expect(
      notRightAligned(queues, ['READY', 'DELAYED', 'RESERVED', 'DEAD', 'OLDEST READY']),
    ).toEqual([]);

    // Dead-lettered moments ago: an age of a few seconds, narrower than its header.
    const letters = (await cli(['--prefix', prefix, 'dlq', 'list', 'worker'])).out[0];
    expect(letters.split('\n')[0]).toMatch(/^ID\s+TYPE\s+ATTEMPTS\s+LAST ERROR\s+AGE$/);
    expect(notRightAligned(letters, ['ATTEMPTS', 'AGE'])).toEqual([]);

    const agents = (await cli(['--prefix', prefix, 'agents'])).out[0];
    expect(agents.split('\n')[0]).toMatch(
      /^TYPE\s+INSTANCE\s+NAME\s+ALIVE\s+HEARTBEAT\s+CAPS\s+STATUS$/,
    );
    expect(notRightAligned(agents, ['HEARTBEAT', 'CAPS'])).toEqual([]);

    const listed = (await cli(['--prefix', prefix, 'breakers'])).out[0];
    expect(listed.split('\n')[0]).toMatch(/^NAME\s+STATE\s+FAILURES\s+LAST CHANGE$/);
    expect(notRightAligned(listed, ['FAILURES', 'LAST CHANGE'])).toEqual([]);
  });

  it('colours an alive agent green and a dead letter error red on a terminal', async () => {
    const agents = await cli(['--prefix', prefix, 'agents'], true);
    expect(agents.out[0]).toContain('\u001b[32myes\u001b[0m');
    const letters = await cli(['--prefix', prefix, 'dlq', 'list', 'worker'], true);
    expect(letters.out[0]).toContain('\u001b[31mbroken\u001b[0m');
  });

  it('explains a dlq replay given neither or both of ids and --all', async () => {
    expect(await cli(['--prefix', prefix, 'dlq', 'replay', 'worker'])).toEqual({
      code: 2,
      out: [],
      err: ['error: name message ids or pass --all'],
    });
    expect(
      await cli(['--prefix', prefix, 'dlq', 'replay', 'worker', 'msg-000001', '--all']),
    ).toEqual({
      code: 2,
      out: [],
      err: ['error: pass either ids or --all, not both'],
    });
  });

  it('rejects a bad agent argument of dlq list and show before connecting', async () => {
    const [port] = await findFreePorts(1);
    const url = `redis://127.0.0.1:${port}`;
    for (const args of [
      ['dlq', 'list', 'a:b'],
      ['dlq', 'show', 'a:b', 'msg-000001'],
    ]) {
      expect(await cli(['--url', url, ...args])).toEqual({
        code: 2,
        out: [],
        err: ['error: not an agent id: "a:b" (expected type or type/instance)'],
      });
    }
  });

  it('reports breakers reset and dlq purge as text and as JSON', async () => {
    expect(await cli(['--prefix', prefix, 'breakers', 'reset', 'db'])).toEqual({
      code: 0,
      out: ['breaker db reset to closed'],
      err: [],
    });
    const reset = await cli(['--prefix', prefix, '--json', 'breakers', 'reset', 'db']);
    expect(JSON.parse(reset.out[0])).toEqual({ reset: 'db' });
    const purge = await cli(['--prefix', prefix, '--json', 'dlq', 'purge', 'worker', '--yes']);
    expect([purge.code, JSON.parse(purge.out[0])]).toEqual([0, { purged: 1 }]);
  });

  it('describes the program, its options and every command in the help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toHaveLength(1);
    // Printed without the trailing newline commander ends the help with.
    expect(help.out[0]).toBe(help.out[0].trim());
    const top = flat(help.out[0]);
    for (const text of [
      'Usage: tta-agent-coordination [options] [command]',
      'Operator view of tta-agent-coordination: queues, dead letters, agents and breakers',
      '--url <url> Redis URL (default $REDIS_URL or redis://127.0.0.1:6379)',
      `--prefix <prefix> key prefix (default: "${DEFAULT_KEY_PREFIX}")`,
      '--json print JSON instead of tables',
      'queues per agent: ready, delayed, reserved, dead-lettered, oldest ready age',
      'dlq inspect, replay and purge dead letters',
      'agents [options] registered agents: type, instance, name, alive, heartbeat age, capabilities, status',
      'breakers circuit breakers: name, state, failures, last change',
    ])
      expect(top).toContain(text);

    const dlq = flat((await cli(['dlq', '--help'])).out[0]);
    for (const text of [
      'list <agent> dead letters of an agent, oldest first',
      'show <agent> <id> one dead letter in full',
      'replay [options] <agent> [ids...] put dead letters back in the queue (the ids given, or --all)',
      'purge [options] <agent> drop every dead letter of an agent (asks for --yes)',
    ])
      expect(dlq).toContain(text);
    expect(flat((await cli(['dlq', 'replay', '--help'])).out[0])).toContain(
      '--all replay every dead letter of the agent',
    );
    expect(flat((await cli(['dlq', 'purge', '--help'])).out[0])).toContain(
      '--yes confirm the purge',
    );
    expect(flat((await cli(['agents', '--help'])).out[0])).toContain(
      '--watch [ms] refresh every ms (default 2000) until interrupted',
    );
    expect(flat((await cli(['breakers', '--help'])).out[0])).toContain(
      'reset <name> close a breaker for every process and clear its failures',
    );
  });

  it('writes a usage error as one line without a trailing newline', async () => {
    expect(await cli(['queues', '--bogus'])).toEqual({
      code: 2,
      out: [],
      err: ["error: unknown option '--bogus'"],
    });
  });

  it('opens one connection per command and closes it afterwards', async () => {
    const connect = jest.spyOn(Redis.prototype, 'connect');
    const duplicate = jest.spyOn(Redis.prototype, 'duplicate');
    try {
      for (const args of [['agents'], ['breakers'], ['breakers', 'reset', 'db'], ['queues']]) {
        connect.mockClear();
        expect((await cli(['--prefix', prefix, ...args])).code).toBe(0);
        expect(connect).toHaveBeenCalledTimes(1);
        const client = connect.mock.contexts[0] as Redis;
        expect(await eventually(() => client.status === 'end', 2_000)).toBe(true);
      }
      // No subscriber connection for events the CLI never listens to.
      expect(duplicate).not.toHaveBeenCalled();
    } finally {
      for (const client of connect.mock.contexts as Redis[]) client.disconnect();
      connect.mockRestore();
      duplicate.mockRestore();
    }
  });

  describe('by default', () => {
    const isTTY = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    let stdout: jest.SpiedFunction<typeof process.stdout.write>;

    beforeEach(() => {
      stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    });

    afterEach(() => {
      stdout.mockRestore();
      if (isTTY) Object.defineProperty(process.stdout, 'isTTY', isTTY);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    });

    const printed = (): string => stdout.mock.calls.map(([text]) => String(text)).join('');

    it.each([
      [true, true],
      [false, false],
      [undefined, false],
    ])('with stdout.isTTY %s colours: %s', async (tty, coloured) => {
      Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
      expect(await runCli(['--prefix', prefix, 'agents'])).toBe(0);
      expect(printed()).toMatch(/^TYPE\s+INSTANCE/);
      expect(printed().includes('\u001b[32myes\u001b[0m')).toBe(coloured);
    });

    it('stops agents --watch on SIGINT', async () => {
      const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
      const watching = runCli(['--prefix', prefix, 'agents', '--watch', '600000']);
      const added = (signal: 'SIGINT' | 'SIGTERM'): NodeJS.SignalsListener[] =>
        process.listeners(signal).filter((listener) => !before.has(listener));
      const [terminate] = added('SIGTERM');
      try {
        expect(await eventually(() => stdout.mock.calls.length > 0, 5_000)).toBe(true);
        const [interrupt] = added('SIGINT');
        interrupt('SIGINT');
        expect(await watching).toBe(0);
        expect(stdout).toHaveBeenCalledTimes(1);
      } finally {
        // Should SIGINT not stop it, end the watch the other way.
        terminate('SIGTERM');
        await watching;
      }
    });
  });
});
