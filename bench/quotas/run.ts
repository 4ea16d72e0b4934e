/**
 * `npm run bench:quotas`: SPEC §10 quotas measured on a real Redis, written to
 * bench/results/quotas.md.
 *
 * 1. rate-limiter-flexible's fixed window, probed at a window boundary.
 * 2. Ten processes hammer one quota (600 requests and 90 000 tokens a minute, 10 concurrent)
 *    for QUOTA_BENCH_MS (default 130 s) with random estimates and settlements: the admission
 *    log is checked against every sliding minute, holders over time, volume and fairness.
 * 3. acquire + settle against rate-limiter-flexible's `consume`, same Redis, same
 *    concurrency: operations per second and latency percentiles.
 *
 * Environment: REDIS_URL (default redis://127.0.0.1:6379), QUOTA_BENCH_MS, OPS_BENCH_MS.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RedisQuotaRegistry } from '../../lib/quotas';
import { compileForChild } from '../../test/chaos/fixtures/compile-for-child';
import { QuotaFleet, auditLeases } from '../../test/chaos/fixtures/quota-fleet';
import { connect, deleteKeys, freshPrefix } from '../redis-env';
import { quantile } from '../stats';
import { probeFixedWindow } from './library-probe';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_MS = Number(process.env.QUOTA_BENCH_MS ?? 130_000);
const OPS_MS = Number(process.env.OPS_BENCH_MS ?? 10_000);
const PROCESSES = 10;
const RPM = 600;
const TPM = 90_000;
const CONC = 10;
const MINUTE = 60_000;

async function accuracy(prefix: string): Promise<Record<string, unknown>> {
  const compiled = compileForChild(['lib/quotas', 'lib/common', 'lib/errors', 'lib/messaging']);
  try {
    const fleet = await QuotaFleet.start(compiled, PROCESSES, () => ({
      REDIS_URL: url,
      KEY_PREFIX: prefix,
      QUOTA: 'provider-key',
      RPM: String(RPM),
      TPM: String(TPM),
      CONC: String(CONC),
      WINDOW_MS: String(MINUTE),
      WORKERS: '3',
      DURATION_MS: String(RUN_MS),
      EST_MIN: '50',
      EST_MAX: '300',
      HOLD_MIN: '50',
      HOLD_MAX: '500',
    }));
    fleet.go();
    await fleet.until('done', PROCESSES, RUN_MS + 60_000);
    const audit = auditLeases(fleet.leases.values(), MINUTE);
    const leases = [...fleet.leases.values()];
    const first = Math.min(...leases.map((l) => l.admittedAt));
    // Steady state: the second minute, when every process waits in line.
    const steady = leases.filter(
      (l) => l.admittedAt >= first + MINUTE && l.admittedAt < first + 2 * MINUTE,
    );
    const perProcess = Array.from({ length: PROCESSES }, () => 0);
    for (const lease of steady) perProcess[lease.process]++;
    const mean = steady.length / PROCESSES;
    const tokens = steady.reduce((sum, l) => sum + (l.tokens ?? l.estimate), 0);
    return {
      ...audit,
      steadyAdmissions: steady.length,
      requestVolume: steady.length / RPM,
      tokenVolume: tokens / TPM,
      perProcess,
      spread: [Math.min(...perProcess) / mean - 1, Math.max(...perProcess) / mean - 1],
      refusals: fleet.refusals.length,
    };
  } finally {
    rmSync(compiled, { recursive: true, force: true });
  }
}

async function timed(
  concurrency: number,
  op: () => Promise<void>,
): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  const samples: number[] = [];
  const until = performance.now() + OPS_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        await op();
        samples.push(performance.now() - start);
      }
    }),
  );
  samples.sort((a, b) => a - b);
  return {
    opsPerSec: samples.length / (OPS_MS / 1000),
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
  };
}

async function throughput(prefix: string): Promise<Record<string, unknown>> {
  const redis = connect(url);
  const registry = new RedisQuotaRegistry(redis, { keyPrefix: prefix, subscribe: false });
  // Limits that never refuse, so both sides measure the admission path alone.
  registry.define('ops', { requestsPerMinute: 1e9, tokensPerMinute: 1e12, concurrency: 1e6 });
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:rlf`,
    points: 1e9,
    duration: 60,
  });
  try {
    const concurrency = 16;
    const ours = await timed(concurrency, async () => {
      const lease = await registry.acquire('ops', { tokens: 100 });
      await lease.settle({ tokens: 80 });
    });
    const theirs = await timed(concurrency, async () => {
      await limiter.consume('ops', 100);
    });
    const oursAcquire = await timed(concurrency, async () => {
      await registry.acquire('ops', { tokens: 100, leaseTtlMs: 1_000 });
    });
    return { concurrency, ours, oursAcquire, theirs };
  } finally {
    await registry.close();
    redis.disconnect();
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const ms = (x: number): string => `${x.toFixed(2)} ms`;

async function main(): Promise<void> {
  const prefix = freshPrefix();
  const redis = connect(url);
  try {
    const probe = await probeFixedWindow(url, prefix);
    const ops = (await throughput(prefix)) as {
      concurrency: number;
      ours: { opsPerSec: number; p50: number; p99: number };
      oursAcquire: { opsPerSec: number; p50: number; p99: number };
      theirs: { opsPerSec: number; p50: number; p99: number };
    };
    const acc = (await accuracy(prefix)) as Record<string, number> & {
      perProcess: number[];
      spread: number[];
    };
    const lines = [
      '# Quotas bench (SPEC §10)',
      '',
      `Run ${new Date().toISOString()} on ${cpus().length} cores (load ${loadavg()[0].toFixed(1)} at the end; the machine is shared with other work, so figures are lower bounds), Redis at ${url}.`,
      '',
      '## rate-limiter-flexible at a window boundary',
      '',
      `\`RateLimiterRedis\` with ${probe.limit} points per ${probe.windowMs} ms admitted **${probe.admittedInSlidingWindow}** requests within one sliding ${probe.windowMs} ms (a burst just before its fixed window ended and one just after): a fixed window allows up to twice the limit in a sliding one.`,
      '',
      `## Ten processes on one quota for ${(RUN_MS / 1000).toFixed(0)} s`,
      '',
      `Limits: ${RPM} requests and ${TPM} tokens a minute, ${CONC} concurrent. Each process runs 3 loops: acquire with an estimate of 50–300 tokens (waiting in line), hold 50–500 ms, settle with a third to all of the estimate. Checked from the admission log on the Redis clock.`,
      '',
      '| check | result | limit |',
      '| --- | --- | --- |',
      `| admissions | ${acc.admitted} | |`,
      `| most admissions in any sliding minute | ${acc.maxRequests} | ${RPM} |`,
      `| most tokens (settled) in any sliding minute | ${acc.maxTokens} | ${TPM} |`,
      `| most leases held at once | ${acc.maxHolders} | ${CONC} |`,
      `| requests admitted in the second minute | ${pct(acc.requestVolume)} of the limit | ≥ 95 % |`,
      `| tokens settled in the second minute | ${pct(acc.tokenVolume)} of the limit | |`,
      `| admissions per process in the second minute | ${acc.perProcess.join(', ')} | |`,
      `| spread around the mean | ${pct(acc.spread[0])} … +${pct(acc.spread[1])} | ±20 % |`,
      `| refused (waitMs ran out at the end) | ${acc.refusals} | |`,
      '',
      `## acquire + settle against rate-limiter-flexible, ${ops.concurrency} concurrent callers, ${OPS_MS / 1000} s each`,
      '',
      '| operation | ops/s | p50 | p99 |',
      '| --- | --- | --- | --- |',
      `| RedisQuotaRegistry acquire + settle (2 scripts) | ${ops.ours.opsPerSec.toFixed(0)} | ${ms(ops.ours.p50)} | ${ms(ops.ours.p99)} |`,
      `| RedisQuotaRegistry acquire only | ${ops.oursAcquire.opsPerSec.toFixed(0)} | ${ms(ops.oursAcquire.p50)} | ${ms(ops.oursAcquire.p99)} |`,
      `| rate-limiter-flexible RateLimiterRedis consume | ${ops.theirs.opsPerSec.toFixed(0)} | ${ms(ops.theirs.p50)} | ${ms(ops.theirs.p99)} |`,
      '',
      `Ratio acquire+settle / consume: ${(ops.ours.opsPerSec / ops.theirs.opsPerSec).toFixed(2)}× ops/s (acquire alone: ${(ops.oursAcquire.opsPerSec / ops.theirs.opsPerSec).toFixed(2)}×).`,
      '',
    ];
    const out = join(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'quotas.md'), lines.join('\n'));
    process.stdout.write(lines.join('\n'));
  } finally {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}

void main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
