/**
 * `npm run bench:profile -- <system> <concurrency> [count]`: one end-to-end run of the bench
 * (producer window, N consumers, no-op handler) under the V8 CPU profiler, the same sampler
 * as `node --cpu-prof`, started after a warm-up so that start-up and compilation stay out of
 * it. Writes `<out>.cpuprofile` (open it in Chrome DevTools) and prints its summary.
 *
 * Environment: BENCH_PROFILE_OUT (default /tmp/profile-<system>-c<N>), REDIS_URL.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type Redis from 'ioredis';
import { benchConfig } from '../bench.config';
import { connect } from '../redis-env';
import { endToEndThroughput } from '../scenarios/end-to-end.scenario';
import type { RunContext } from '../scenarios/run-context';
import { SYSTEMS } from '../systems';
import { summariseProfile, type CpuProfile } from './profile-summary';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

/** `INFO commandstats`: calls and µs per command (the whole server's: other clients count too). */
async function commandStats(admin: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of (await admin.info('commandstats')).matchAll(
    /^cmdstat_(\S+):calls=(\d+),usec=(\d+)/gm,
  )) {
    stats.set(match[1], { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

function redisCommands(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
  messages: number,
): string {
  const lines = ['| Redis command | calls / msg | µs in Redis / msg |', '|---|---:|---:|'];
  const rows = [...after]
    .map(([name, { calls, usec }]) => {
      const was = before.get(name) ?? { calls: 0, usec: 0 };
      return { name, calls: (calls - was.calls) / messages, usec: (usec - was.usec) / messages };
    })
    .filter((row) => row.calls >= 0.001)
    .sort((a, b) => b.usec - a.usec);
  for (const row of rows)
    lines.push(`| ${row.name} | ${row.calls.toFixed(3)} | ${row.usec.toFixed(2)} |`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const [name = 'coordinator', concurrencyText = '10', countText = '20000'] = process.argv.slice(2);
  const system = SYSTEMS[name];
  if (!system) throw new Error(`unknown system ${name}; one of ${Object.keys(SYSTEMS).join(', ')}`);
  const concurrency = Number(concurrencyText);
  const count = Number(countText);
  const out = process.env.BENCH_PROFILE_OUT ?? `/tmp/profile-${name}-c${concurrency}`;
  const config = benchConfig();
  const admin = connect(config.redisUrl);
  const context: RunContext = { config, admin };
  const session = new Session();
  session.connect();
  try {
    await endToEndThroughput(context, system, concurrency, Math.min(count, 5_000)); // warm-up
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
    const before = await commandStats(admin);
    const cpuBefore = process.cpuUsage();
    await post(session, 'Profiler.start');
    const rate = await endToEndThroughput(context, system, concurrency, count);
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    const cpu = process.cpuUsage(cpuBefore);
    const after = await commandStats(admin);
    writeFileSync(`${out}.cpuprofile`, JSON.stringify(profile));
    process.stdout.write(
      `${name} c=${concurrency}: ${Math.round(rate)} msg/s over ${count} messages; ` +
        `this process ${((cpu.user + cpu.system) / count).toFixed(1)} µs CPU per message ` +
        `(${(cpu.system / count).toFixed(1)} in the kernel)\n\n` +
        redisCommands(before, after, count) +
        '\n' +
        summariseProfile(profile, { top: 30, messages: count }),
    );
  } finally {
    session.disconnect();
    await admin.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
