/**
 * discoverCapabilities over 1 000 and 10 000 registered agents on the local Redis.
 *
 *   npx ts-node --transpile-only bench/discovery.bench.ts
 *
 * Each agent advertises three capabilities (from a pool of twelve names, varied versions,
 * loads and priorities). "cold" is the first query of a fresh registry (reads and validates
 * every set); "warm" queries reuse the parsed sets the capability index says are current;
 * "after 1 % change" rewrites 1 % of the sets first, so only those are read again.
 * Prints a Markdown table. REDIS_URL overrides the server; keys are removed afterwards.
 */
import { performance } from 'node:perf_hooks';
import type Redis from 'ioredis';
import {
  RedisAgentRegistry,
  type AgentCapabilitySetInput,
  type CapabilityDiscoveryRequest,
} from '../lib/registry';
import { connect, deleteKeys, describeMachine, freshPrefix } from './redis-env';
import { percentiles } from './stats';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZES = [1_000, 10_000];
const WARM_RUNS = 30;
const NAMES = [
  'summarize',
  'translate',
  'classify',
  'extract_entities',
  'draft_reply',
  'plan_tasks',
  'store_document',
  'search_index',
  'route_message',
  'analyze_sentiment',
  'generate_code',
  'review_code',
];
const TYPES = ['processing', 'generation', 'analysis', 'coordination', 'storage', 'communication'];

const QUERIES: Record<string, CapabilityDiscoveryRequest> = {
  weighted: { criteria: { capabilityName: 'summarize', minVersion: '1.2.0' } },
  exact: { criteria: { capabilityName: 'translate' }, strategy: 'exact' },
  priority: { criteria: { capabilityName: 'classify' }, strategy: 'priority' },
  fuzzy: { criteria: { capabilityName: 'sumarise' }, strategy: 'fuzzy', maxResults: 50 },
};

function capabilitiesOf(i: number, generation = 0): AgentCapabilitySetInput {
  return {
    priority: 1 + (i % 10),
    loadFactor: (i % 97) / 100,
    lastUpdated: '2024-06-01T00:00:00.000Z',
    capabilities: [0, 1, 2].map((k) => ({
      name: NAMES[(i + k * 5) % NAMES.length],
      type: TYPES[(i + k) % TYPES.length] as 'processing',
      version: `${1 + (i % 3)}.${(i + k + generation) % 10}.0`,
      estimatedDurationMs: 100 + ((i * 37) % 5_000),
      tags: ['bench', k === 0 ? 'primary' : 'secondary'],
    })),
  };
}

async function populate(registry: RedisAgentRegistry, count: number): Promise<void> {
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const ids = Array.from({ length: Math.min(batch, count - start) }, (_, k) => start + k);
    await Promise.all(
      ids.map((i) =>
        registry.register({
          agentId: { type: 'bench', instance: `a${i}` },
          name: `bench agent ${i}`,
          statusSnapshot: () => ({ status: 'idle' }),
          getCapabilities: () => capabilitiesOf(i),
        }),
      ),
    );
  }
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const ms = (value: number): string => value.toFixed(2);

async function measure(redis: Redis, writer: RedisAgentRegistry, count: number, prefix: string) {
  const options = { keyPrefix: prefix, heartbeatTtlMs: 600_000, subscribeEvents: false };
  const rows: string[] = [];
  for (const [strategy, query] of Object.entries(QUERIES)) {
    const reader = new RedisAgentRegistry(redis, options);
    let matches = 0;
    const cold = await time(async () => {
      matches = (await reader.discoverCapabilities(query)).matches.length;
    });
    const warm: number[] = [];
    for (let run = 0; run < WARM_RUNS; run++) {
      warm.push(await time(() => reader.discoverCapabilities(query)));
    }
    const changed = Math.ceil(count / 100);
    await Promise.all(
      Array.from({ length: changed }, (_, i) =>
        writer.registerCapabilities({ type: 'bench', instance: `a${i}` }, capabilitiesOf(i, 1)),
      ),
    );
    const afterChange = await time(() => reader.discoverCapabilities(query));
    const { p50, p95 } = percentiles(warm);
    rows.push(
      `| ${count.toLocaleString('en')} | ${strategy} | ${ms(cold)} | ${ms(p50)} | ${ms(p95)} | ${ms(afterChange)} | ${matches} |`,
    );
    await reader.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const redis = connect(URL);
  const machine = await describeMachine(redis);
  const rows: string[] = [];
  for (const count of SIZES) {
    const prefix = freshPrefix();
    const writer = new RedisAgentRegistry(redis, {
      keyPrefix: prefix,
      heartbeatTtlMs: 600_000,
      autoHeartbeat: false,
      subscribeEvents: false,
    });
    try {
      const setup = await time(() => populate(writer, count));
      process.stderr.write(`registered ${count} agents in ${ms(setup)} ms\n`);
      rows.push(...(await measure(redis, writer, count, prefix)));
    } finally {
      await writer.close();
      await deleteKeys(redis, prefix);
    }
  }
  console.log('## discoverCapabilities\n');
  console.log(
    `Machine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, Redis ${machine.redis}, ${machine.date}\n`,
  );
  console.log(
    '| agents | strategy | cold ms | warm p50 ms | warm p95 ms | after 1 % change ms | matches |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  await redis.quit();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
