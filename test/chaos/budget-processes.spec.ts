import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { RedisBudgetLedger } from '../../lib/quotas';
import { REDIS_URL, deleteKeys, eventually } from '../support/redis';
import { childEnv, compileForChild, QUOTA_CHILD_DIRS } from './fixtures/compile-for-child';

/**
 * Twenty processes reserve and settle random amounts against `tenant/conv/run` budgets on the
 * real Redis until every reservation is refused. No level is ever overspent, the refusals name
 * a level of the path, and reservations left to expire are released.
 */

jest.setTimeout(120_000);

const PROCESSES = 20;
const TENANT = 'acme';
const CONVS = 4;
const RUNS = 3;
const BUDGETS: Record<string, number> = { [TENANT]: 50_000 };
for (let c = 0; c < CONVS; c++) {
  BUDGETS[`${TENANT}/conv-${c}`] = 15_000;
  for (let r = 0; r < RUNS; r++) BUDGETS[`${TENANT}/conv-${c}/run-${r}`] = 6_000;
}

let compiled: string;
let redis: Redis;
const prefix = `t.budget-procs.${randomBytes(4).toString('hex')}`;

beforeAll(() => {
  compiled = compileForChild(QUOTA_CHILD_DIRS);
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  if (compiled) rmSync(compiled, { recursive: true, force: true });
});

it('twenty processes never overspend any level, and expired reservations are released', async () => {
  const ledger = new RedisBudgetLedger(redis, { keyPrefix: prefix });
  for (const [path, amount] of Object.entries(BUDGETS)) await ledger.setBudget(path, amount);

  const lines: string[][] = [];
  const stderr: string[] = [];
  const script = join(compiled, 'test', 'chaos', 'fixtures', 'budget-worker.js');
  const children = Array.from({ length: PROCESSES }, () => {
    const child = spawn(process.execPath, [script], {
      env: childEnv({
        REDIS_URL,
        KEY_PREFIX: prefix,
        TENANT,
        CONVS: String(CONVS),
        RUNS: String(RUNS),
        TTL_MS: '300',
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line.split(' ')));
    return child;
  });
  try {
    const count = (kind: string): number => lines.filter((line) => line[0] === kind).length;
    expect(await eventually(() => count('ready') === PROCESSES, 60_000, 50)).toBe(true);
    for (const child of children) child.stdin.write('go\n');
    const finished = await eventually(
      () => count('done') === PROCESSES || children.some((c) => c.exitCode === 1),
      90_000,
      100,
    );
    expect(stderr.join('')).toBe('');
    expect(finished).toBe(true);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }

  // What the processes settled, summed at every level of each path.
  const settled = new Map<string, number>();
  for (const [kind, path, , actual] of lines) {
    if (kind !== 'S') continue;
    const segments = path.split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const level = segments.slice(0, depth).join('/');
      settled.set(level, (settled.get(level) ?? 0) + Number(actual));
    }
  }
  // Abandoned reservations lapse and are released at every level.
  expect(lines.some((line) => line[0] === 'L')).toBe(true);
  const released = async (): Promise<boolean> => {
    for (const path of Object.keys(BUDGETS)) {
      if ((await ledger.inspect(path)).some((level) => level.reserved !== 0)) return false;
    }
    return true;
  };
  expect(await eventually(released, 10_000, 100)).toBe(true);

  for (const [path, budget] of Object.entries(BUDGETS)) {
    const level = (await ledger.inspect(path)).at(-1)!;
    expect(level.spent).toBe(settled.get(path) ?? 0);
    expect(level.spent).toBeLessThanOrEqual(budget);
  }

  // The last reservations were refused, each naming a level of its path with too little left.
  const refusals = lines.filter((line) => line[0] === 'E');
  expect(refusals.length).toBeGreaterThanOrEqual(10 * PROCESSES);
  for (const [, level, remaining, requested] of refusals) {
    expect(Object.keys(BUDGETS)).toContain(level);
    expect(Number(remaining)).toBeLessThan(Number(requested));
  }
  process.stdout.write(
    `budget-processes: ${JSON.stringify({
      settled: lines.filter((l) => l[0] === 'S').length,
      abandoned: lines.filter((l) => l[0] === 'L').length,
      refused: refusals.length,
      tenantSpent: settled.get(TENANT),
    })}\n`,
  );
});
