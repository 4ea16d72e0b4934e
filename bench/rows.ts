import type { Figure } from './stats';

/** The series compared in every row. */
export type Series = 'coordinator' | 'bullmq' | 'ceiling';

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
  /** Extra rows (e.g. the Nest loop) are shown but do not count toward the targets. */
  note?: string;
}

/** coordinator / other, by medians; undefined when either is missing. */
export function ratio(row: Row, other: Series): number | undefined {
  const ours = row.figures.coordinator?.median;
  const theirs = row.figures[other]?.median;
  return ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
}

/** Whether the row meets its targets; undefined when it has none. */
export function targetMet(row: Row): boolean | undefined {
  const checks: boolean[] = [];
  const vsBull = ratio(row, 'bullmq');
  if (row.targetVsBullmq !== undefined && vsBull !== undefined) {
    checks.push(row.higherIsBetter ? vsBull >= row.targetVsBullmq : vsBull <= row.targetVsBullmq);
  }
  const vsCeiling = ratio(row, 'ceiling');
  if (row.targetVsCeiling !== undefined && vsCeiling !== undefined) {
    checks.push(vsCeiling >= row.targetVsCeiling);
  }
  return checks.length === 0 ? undefined : checks.every(Boolean);
}
