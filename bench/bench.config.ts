/**
 * Sizes of one bench run, from the environment:
 * - `BENCH_QUICK=1` shrinks everything to a smoke test;
 * - `BENCH_RUNS` (default 3) repeats every figure, the median is reported;
 * - `BENCH_PROCESSES` (default 50) consumer processes for the many-processes row, 0 to skip it;
 * - `BENCH_BASELINE=<checkout>` also measures the end-to-end and Nest rows on a baseline build
 *   (off by default; see systems/baseline.system.ts);
 * - `REDIS_URL` (default redis://127.0.0.1:6379).
 */
export interface BenchConfig {
  quick: boolean;
  redisUrl: string;
  /** Repetitions of every figure (the median is reported). */
  runs: number;
  /** Messages per enqueue run, one at a time and batched. */
  enqueueCount: number;
  /** Messages per batch (concurrent sends / `addBulk`). */
  batchSize: number;
  /** Messages per end-to-end run, by consumer concurrency. */
  endToEndCount: Record<number, number>;
  /** Consumer concurrencies measured end to end. */
  concurrencies: number[];
  /** Sends the producer keeps in flight during end-to-end runs. */
  producerWindow: number;
  /** Steady send rate of the latency runs, messages per second. */
  latencyRate: number;
  /** Measured messages per latency run (after the warm-up). */
  latencyCount: number;
  /** Messages sent before latency samples are kept. */
  latencyWarmup: number;
  /** Consumer concurrency of the latency runs. */
  latencyConcurrency: number;
  /** Messages queued for the memory figure. */
  memoryCount: number;
  /** Consumer processes (concurrency 1 each) of the many-processes figure; 0 leaves it out. */
  processes: number;
  /** Messages per many-processes run. */
  processesCount: number;
  /**
   * A checkout of the baseline build (`BENCH_BASELINE`, see systems/baseline.system.ts): its
   * end-to-end and Nest rows are measured beside the current ones. Off by default.
   */
  baselineDir: string | undefined;
}

/** Reads the configuration from the environment. */
export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  return {
    quick,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    runs: Number(env.BENCH_RUNS ?? 3),
    enqueueCount: quick ? 2_000 : 10_000,
    batchSize: 100,
    endToEndCount: quick ? { 1: 1_000, 10: 3_000, 50: 3_000 } : { 1: 4_000, 10: 8_000, 50: 8_000 },
    concurrencies: [1, 10, 50],
    producerWindow: 100,
    latencyRate: 500,
    latencyCount: quick ? 300 : 2_000,
    latencyWarmup: quick ? 50 : 200,
    latencyConcurrency: 10,
    memoryCount: quick ? 10_000 : 20_000,
    processes: Number(env.BENCH_PROCESSES ?? 50),
    processesCount: quick ? 3_000 : 10_000,
    baselineDir: env.BENCH_BASELINE || undefined,
  };
}
