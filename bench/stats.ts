/** A figure measured several times: its median and the spread of the runs. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** Median, min and max of repeated measurements. */
export function figure(runs: number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1], runs };
}

/** Quantile of an ascending array by linear interpolation (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

/** p50 / p95 / p99 of latency samples. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Percentiles of unsorted samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
  };
}

/** Runs `measure` `times` times in a row and returns each result. */
export async function repeat<T>(times: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < times; run++) results.push(await measure(run));
  return results;
}

/** Monotonic clock in milliseconds, shared by every process on the machine (CLOCK_MONOTONIC). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Messages per second for `count` messages over `ms`. */
export function rate(count: number, ms: number): number {
  return (count * 1000) / ms;
}
