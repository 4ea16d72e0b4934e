import { FailureType, MessageType } from '../../lib';
import { runCli } from '../../lib/cli';
import { renderTable } from '../../lib/cli/table';
import { KeyLayout } from '../../lib/common/key-layout';
import { createClient } from '../support/redis';
import { CliFixture } from './cli-fixture';

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI in this process, capturing what it prints. */
async function cli(args: string[], isTTY = false, columns?: number): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (t) => out.push(t), isTTY, columns },
    (t) => err.push(t),
    new AbortController().signal,
  );
  return { code, out, err };
}

describe('CLI: urls, replay of unknown ids, breaker failures, long cells', () => {
  const fx = new CliFixture('cli-fixes');
  const { prefix } = fx;

  beforeAll(() => fx.seed());
  afterAll(() => fx.teardown());

  describe('--url', () => {
    it.each([
      ['http://127.0.0.1:6379', 'a http: URL'],
      ['HTTPS://user:secret@example.com', 'a HTTPS: URL'],
      ['unix://relative.sock', 'a unix: URL'],
      ['localhost:6379', 'a localhost: URL'],
      ['relative.sock', '"relative.sock"'],
    ])('refuses %s with exit 2 and one line naming the accepted schemes', async (url, got) => {
      const run = await cli(['--url', url, '--prefix', prefix, 'queues']);
      expect(run).toEqual({
        code: 2,
        out: [],
        err: [
          `error: --url must be redis://, rediss:// or unix:// (or a socket path starting with /); got ${got}`,
        ],
      });
      expect(run.err.join('')).not.toContain('secret');
    });

    it('refuses a bad REDIS_URL the same way', async () => {
      const saved = process.env.REDIS_URL;
      process.env.REDIS_URL = 'http://127.0.0.1:6379';
      try {
        const run = await cli(['--prefix', prefix, 'queues']);
        expect([run.code, run.err]).toEqual([
          2,
          [
            'error: --url must be redis://, rediss:// or unix:// (or a socket path starting with /); got a http: URL',
          ],
        ]);
      } finally {
        if (saved === undefined) delete process.env.REDIS_URL;
        else process.env.REDIS_URL = saved;
      }
    });

    it('accepts redis:// in any case', async () => {
      const run = await cli(['--url', 'REDIS://127.0.0.1:6379', '--prefix', prefix, 'queues']);
      expect([run.code, run.err]).toEqual([0, []]);
    });

    it.each([['unix:///nonexistent/tta.sock'], ['/nonexistent/tta.sock']])(
      'takes %s as a socket path',
      async (url) => {
        const run = await cli(['--url', url, '--prefix', prefix, 'queues']);
        expect(run.code).toBe(1);
        expect(run.err).toEqual([
          `error: cannot reach Redis at ${url}: connect ENOENT /nonexistent/tta.sock`,
        ]);
      },
    );
  });

  describe('dlq replay', () => {
    it('names the ids it did not find and exits 1, replaying the ones it found', async () => {
      const run = await cli([
        '--prefix',
        prefix,
        'dlq',
        'replay',
        'worker',
        'nope-1',
        'msg-000001',
        'msg-000001',
        'nope-2',
      ]);
      expect(run).toEqual({
        code: 1,
        out: ['replayed 1 dead letter(s) of worker\nnot found: nope-1\nnot found: nope-2'],
        err: ['error: 2 id(s) not among the dead letters of worker'],
      });
      expect(await fx.coordinator.deadLetters(fx.worker)).toEqual([]);
    });

    it('lists the unknown ids in JSON too', async () => {
      const run = await cli(['--prefix', prefix, '--json', 'dlq', 'replay', 'worker', 'gone']);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.out[0])).toEqual({ replayed: 0, notFound: ['gone'] });
    });
  });

  describe('breakers', () => {
    it('shows an open breaker with the failure count it opened on', async () => {
      const table = await cli(['--prefix', prefix, 'breakers']);
      expect(table.out[0].split('\n')[1]).toMatch(/^db\s+open\s+1\s+\d+s$/);
      const json = await cli(['--prefix', prefix, '--json', 'breakers']);
      expect(JSON.parse(json.out[0])).toEqual([
        expect.objectContaining({ name: 'db', state: 'open', failures: 0, openedOnFailures: 1 }),
      ]);
    });

    it('shows the stored failures of an open breaker written without openedOnFailures', async () => {
      const redis = createClient();
      const keys = new KeyLayout(prefix);
      await redis.hset(keys.breaker('legacy'), {
        state: 'open',
        gen: '1',
        since: '0',
        failures: '4',
      });
      await redis.sadd(keys.breakerIndex, 'legacy');
      const table = await cli(['--prefix', prefix, 'breakers']);
      expect(table.out[0].split('\n')[2]).toMatch(/^legacy\s+open\s+4\s+\d+d$/);
    });
  });

  describe('long cells', () => {
    const longError = `upstream said: ${'x'.repeat(200)} (end)`;
    const loud = { type: 'loud' };

    beforeAll(async () => {
      await fx.coordinator.sendMessage({ type: 'planner' }, loud, {
        messageType: MessageType.EVENT,
        payload: {},
        messageId: 'long-1',
      });
      const delivery = await fx.coordinator.receive(loud, 1_000);
      await fx.coordinator.nack(loud, delivery!.token, FailureType.PERMANENT, longError);
    });

    it('are cut to the terminal width with … on a terminal', async () => {
      const run = await cli(['--prefix', prefix, 'dlq', 'list', 'loud'], true, 60);
      expect(run.code).toBe(0);
      const lines = run.out[0].replace(ANSI, '').split('\n');
      expect(lines[1]).toMatch(/^long-1 {2}event {2}\s*1 {2}upstream said: x+… {2}\s*\d+s$/);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
      expect(lines[1]).toHaveLength(60);
    });

    it('assume 80 columns on a terminal of unknown width', async () => {
      const run = await cli(['--prefix', prefix, 'dlq', 'list', 'loud'], true);
      const lines = run.out[0].replace(ANSI, '').split('\n');
      expect(lines[1]).toHaveLength(80);
      expect(lines[1]).toContain('…');
    });

    it('are printed in full when the output is not a terminal, or with --wide', async () => {
      for (const run of [
        await cli(['--prefix', prefix, 'dlq', 'list', 'loud'], false, 60),
        await cli(['--prefix', prefix, '--wide', 'dlq', 'list', 'loud'], true, 60),
      ]) {
        expect(run.code).toBe(0);
        expect(run.out[0]).toContain(longError);
        expect(run.out[0]).not.toContain('…');
      }
    });

    it('keep the colour of a cut cell and align by visible width', () => {
      const red = (t: string): string => `\u001b[31m${t}\u001b[0m`;
      const table = renderTable(
        [{ a: red('abcdefghij'), b: 'klmnopqrst' }],
        [
          { header: 'A', value: (r: { a: string; b: string }) => r.a },
          { header: 'B', value: (r: { a: string; b: string }) => r.b, right: true },
        ],
        16,
      );
      expect(table.split('\n')).toEqual(['A              B', `${red('abcdef…')}  klmnop…`]);
    });

    it('stop cutting at a few characters per column when the terminal is narrower still', () => {
      const table = renderTable(
        [{ a: 'abcdefghij', b: 'xy' }],
        [
          { header: 'AA', value: (r: { a: string; b: string }) => r.a },
          { header: 'B', value: (r: { a: string; b: string }) => r.b },
        ],
        3,
      );
      expect(table.split('\n')).toEqual(['AA     B', 'abcd…  xy']);
    });
  });
});
