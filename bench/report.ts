import type { Machine } from './redis-env';
import { ratio, targetChecks, type Row } from './rows';
import type { Figure } from './stats';

function formatNumber(value: number, unit: string): string {
  if (unit === 'ms') return value < 10 ? value.toFixed(2) : value.toFixed(1);
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function cell(figure: Figure | undefined, unit: string): string {
  if (!figure) return '–';
  const { median, min, max } = figure;
  return `${formatNumber(median, unit)} (${formatNumber(min, unit)}–${formatNumber(max, unit)})`;
}

function ratioCell(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

/** Each target with whether it is met, e.g. `≥ 2× BullMQ: met`. */
function targetCell(row: Row): string {
  const checks = targetChecks(row);
  if (checks.length === 0) return '–';
  return checks
    .map(({ label, met }) => `${label}: ${met === undefined ? '–' : met ? 'met' : '**missed**'}`)
    .join('; ');
}

/** The results table and the conditions it was measured under, as Markdown. */
export function markdownReport(
  rows: Row[],
  machine: Machine,
  context: { quick: boolean; runs: number; notes: string[]; baseline?: string },
): string {
  const withBaseline = rows.some((row) => row.figures.baseline);
  const baselineHeader = withBaseline
    ? ` Baseline ${context.baseline ?? ''} | Current / baseline |`
    : '';
  const lines = [
    '# Benchmark: coordinator vs BullMQ vs the raw Redis ceiling',
    '',
    `Measured ${machine.date} on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ` +
      `Redis ${machine.redis} on loopback, BullMQ ${machine.bullmq}. ` +
      `${context.quick ? 'Quick smoke run (BENCH_QUICK=1): sizes are small, figures are rough. ' : ''}` +
      `Each figure is the median of ${context.runs} runs with min–max in brackets; ` +
      'the systems are measured in turn within each run. The machine is shared: other test ' +
      'suites may have been running against the same CPU and Redis, so treat small differences ' +
      'as noise.',
    '',
    `| Figure | Coordinator | BullMQ | Coordinator / BullMQ | Raw Redis ceiling | Coordinator / ceiling |${baselineHeader} Targets |`,
    `|---|---:|---:|---:|---:|---:|${withBaseline ? '---:|---:|' : ''}---|`,
  ];
  let group = '';
  const empty = withBaseline ? '| | | | | | | | |' : '| | | | | | |';
  for (const row of rows) {
    if (row.group !== group) {
      group = row.group;
      lines.push(`| **${group}** ${empty}`);
    }
    const label = `${row.label} (${row.unit})${row.note ? ` ${row.note}` : ''}`;
    const baseline = withBaseline
      ? ` ${cell(row.figures.baseline, row.unit)} | ${ratioCell(ratio(row, 'baseline'))} |`
      : '';
    lines.push(
      `| ${label} | ${cell(row.figures.coordinator, row.unit)} | ${cell(row.figures.bullmq, row.unit)} | ` +
        `${ratioCell(ratio(row, 'bullmq'))} | ${cell(row.figures.ceiling, row.unit)} | ` +
        `${ratioCell(ratio(row, 'ceiling'))} |${baseline} ${targetCell(row)} |`,
    );
  }
  lines.push('', ...context.notes.map((note) => `- ${note}`), '', '![chart](latest.svg)', '');
  return lines.join('\n');
}
