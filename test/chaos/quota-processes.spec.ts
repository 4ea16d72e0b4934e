import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { RedisQuotaRegistry } from '../../lib/quotas';
import { REDIS_URL, deleteKeys, eventually } from '../support/redis';
import { compileForChild, QUOTA_CHILD_DIRS } from './fixtures/compile-for-child';
import { QuotaFleet, auditLeases } from './fixtures/quota-fleet';

/**
 * Ten worker processes share one quota on the real Redis (the shared server: a key prefix of
 * their own). Limits are the bench's per-minute figures scaled to a 3 s window so a run is
 * short; the bench (`npm run bench:quotas`) runs the same property for minutes.
 */

jest.setTimeout(120_000);

const PROCESSES = 10;
const WINDOW_MS = 3_000;
/** 600 requests and 90 000 tokens a minute, scaled to the window (x 5, for enough admissions per process). */
const RPM = 150;
const TPM = 22_500;
const CONC = 10;

let compiled: string;
let redis: Redis;
const prefix = `t.quota-procs.${randomBytes(4).toString('hex')}`;
const fleets: QuotaFleet[] = [];

function workerEnv(quota: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    REDIS_URL,
    KEY_PREFIX: prefix,
    QUOTA: quota,
    WINDOW_MS: String(WINDOW_MS),
    POLL_MS: '500',
    ...extra,
  };
}

beforeAll(() => {
  compiled = compileForChild(QUOTA_CHILD_DIRS);
  redis = new Redis(REDIS_URL);
});

afterEach(() => {
  for (const fleet of fleets.splice(0)) fleet.kill();
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  if (compiled) rmSync(compiled, { recursive: true, force: true });
});

it('ten processes never exceed the limits in any sliding window, and share fairly', async () => {
  const fleet = await QuotaFleet.start(compiled, PROCESSES, () =>
    workerEnv('hammer', {
      RPM: String(RPM),
      TPM: String(TPM),
      CONC: String(CONC),
      WORKERS: '3',
      DURATION_MS: String(3 * WINDOW_MS),
      EST_MIN: '50',
      EST_MAX: '300',
      HOLD_MIN: '10',
      HOLD_MAX: '120',
    }),
  );
  fleets.push(fleet);
  fleet.go();
  await fleet.until('done', PROCESSES, 60_000);

  const audit = auditLeases(fleet.leases.values(), WINDOW_MS);
  process.stdout.write(
    `quota-processes: ${JSON.stringify({ ...audit, perProcess: fleet.perProcess() })}\n`,
  );
  expect(audit.maxRequests).toBeLessThanOrEqual(RPM);
  expect(audit.maxTokens).toBeLessThanOrEqual(TPM);
  expect(audit.maxHolders).toBeLessThanOrEqual(CONC);
  // Something was admitted: at least a window's worth.
  expect(audit.admitted).toBeGreaterThanOrEqual(RPM);

  // Fairness among waiters: after the first window every process waits its turn in line.
  const first = Math.min(...[...fleet.leases.values()].map((l) => l.admittedAt));
  const counts = Array.from({ length: PROCESSES }, () => 0);
  for (const lease of fleet.leases.values()) {
    if (lease.admittedAt >= first + WINDOW_MS) counts[lease.process]++;
  }
  const mean = counts.reduce((a, b) => a + b, 0) / PROCESSES;
  for (const count of counts) {
    expect(count).toBeGreaterThanOrEqual(mean * 0.8);
    expect(count).toBeLessThanOrEqual(mean * 1.2);
  }
});

it('a penalty in one process holds every process back, then all resume', async () => {
  const quota = 'penalty';
  const fleet = await QuotaFleet.start(compiled, PROCESSES, () =>
    workerEnv(quota, {
      RPM: '100000',
      WORKERS: '2',
      DURATION_MS: '30000',
      HOLD_MIN: '5',
      HOLD_MAX: '30',
    }),
  );
  fleets.push(fleet);
  const registry = new RedisQuotaRegistry(redis, { keyPrefix: prefix, subscribe: false });
  registry.define(quota, { requestsPerMinute: 100_000, windowMs: WINDOW_MS });
  fleet.go();
  await fleet.until('A', 2 * PROCESSES, 30_000);
  const penaltyMs = 1_500;
  const until = await registry.penalise(quota, penaltyMs);
  // Every process admits again after the penalty.
  const resumed = (): boolean => {
    const seen = new Set<number>();
    for (const lease of fleet.leases.values())
      if (lease.admittedAt >= until) seen.add(lease.process);
    return seen.size === PROCESSES;
  };
  expect(await eventually(resumed, 30_000, 50)).toBe(true);
  const during = [...fleet.leases.values()].filter(
    (lease) => lease.admittedAt > until - penaltyMs && lease.admittedAt < until,
  );
  expect(during).toEqual([]);
  await registry.close();
});

it('a holder killed with SIGKILL gets its slots back after the lease TTL', async () => {
  const quota = 'crash';
  const leaseTtlMs = 1_500;
  const fleet = await QuotaFleet.start(compiled, 1, () =>
    workerEnv(quota, { CONC: '5', MODE: 'hold', WORKERS: '4', LEASE_TTL_MS: String(leaseTtlMs) }),
  );
  fleets.push(fleet);
  fleet.go();
  await fleet.until('held', 1, 30_000);
  fleet.kill();
  const killedHeld = [...fleet.leases.values()].map((lease) => lease.admittedAt);

  const registry = new RedisQuotaRegistry(redis, { keyPrefix: prefix, pollIntervalMs: 200 });
  registry.define(quota, { concurrency: 5, windowMs: WINDOW_MS });
  const leases = [];
  for (let i = 0; i < 5; i++) leases.push(await registry.acquire(quota, { waitMs: 20_000 }));
  // One slot was free; the other four came back only when the dead holder's leases expired.
  const later = leases
    .map((lease) => lease.admittedAt)
    .sort((a, b) => a - b)
    .slice(1);
  for (const at of later) expect(at).toBeGreaterThanOrEqual(Math.min(...killedHeld) + leaseTtlMs);
  expect((await registry.usage(quota)).holders).toBe(5);
  await registry.close();
});
