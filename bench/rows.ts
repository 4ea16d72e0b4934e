import type { Figure } from './stats';

/**
 * The series compared in every row: this package, BullMQ, the raw Redis ceiling of the same
 * calls, and (with `BENCH_BASELINE`) the same row on the baseline build.
 */
export type Series = 'coordinator' | 'bullmq' | 'ceiling' | 'baseline';

/** One line of the results table. */
export interface Row {
  group: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  figures: Partial<Record<Series, Figure>>;
  /** Required coordinator / BullMQ ratio: at least (higher is better) or at most. */
  targetVsBullmq?: number;
  /** Required coordinator / ceiling ratio, at least. */
  targetVsCeiling?: number;
  /** Required coordinator / baseline ratio, at least (throughput) or at most. */
  targetVsBaseline?: number;
  /** A shorter label for the chart. */
  chartLabel?: string;
  /** Extra rows (e.g. the Nest loop) are shown but do not count toward the targets. */
  note?: string;
}

/** coordinator / other, by medians; undefined when either is missing. */
export function ratio(row: Row, other: Series): number | undefined {
  const ours = row.figures.coordinator?.median;
  const theirs = row.figures[other]?.median;
  return ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
}

/** One target of a row and whether the medians meet it. */
export interface TargetCheck {
  /** E.g. `≥ 2× BullMQ`. */
  label: string;
  /** Undefined when a figure it needs is missing. */
  met: boolean | undefined;
}

/** The row's targets, each judged on its own. */
export function targetChecks(row: Row): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const compare = (ratioValue: number | undefined, target: number, higher: boolean) =>
    ratioValue === undefined ? undefined : higher ? ratioValue >= target : ratioValue <= target;
  const sign = row.higherIsBetter ? '≥' : '≤';
  if (row.targetVsBullmq !== undefined) {
    checks.push({
      label: `${sign} ${row.targetVsBullmq}× BullMQ`,
      met: compare(ratio(row, 'bullmq'), row.targetVsBullmq, row.higherIsBetter),
    });
  }
  if (row.targetVsCeiling !== undefined) {
    checks.push({
      label: `≥ ${row.targetVsCeiling}× ceiling`,
      met: compare(ratio(row, 'ceiling'), row.targetVsCeiling, true),
    });
  }
  if (row.targetVsBaseline !== undefined && row.figures.baseline) {
    checks.push({
      label: `${sign} ${row.targetVsBaseline}× baseline`,
      met: compare(ratio(row, 'baseline'), row.targetVsBaseline, row.higherIsBetter),
    });
  }
  return checks;
}

/** Whether the row meets all its targets; undefined when it has none. */
export function targetMet(row: Row): boolean | undefined {
  const checks = targetChecks(row).filter((check) => check.met !== undefined);
  return checks.length === 0 ? undefined : checks.every((check) => check.met);
}
