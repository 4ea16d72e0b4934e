import type { Machine } from './redis-env';
import { ratio, targetMet, type Row } from './rows';
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

function targetCell(row: Row): string {
  const parts: string[] = [];
  if (row.targetVsBullmq !== undefined)
    parts.push(`${row.higherIsBetter ? '≥' : '≤'} ${row.targetVsBullmq}× BullMQ`);
  if (row.targetVsCeiling !== undefined) parts.push(`≥ ${row.targetVsCeiling}× ceiling`);
  return parts.join(', ') || '–';
}

function metCell(row: Row): string {
  const met = targetMet(row);
  return met === undefined ? '–' : met ? 'met' : '**missed**';
}

/** The results table and the conditions it was measured under, as Markdown. */
export function markdownReport(
  rows: Row[],
  machine: Machine,
  context: { quick: boolean; runs: number; notes: string[] },
): string {
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
    '| Figure | Coordinator | BullMQ | Coordinator / BullMQ | Raw Redis ceiling | Coordinator / ceiling | Target | Met |',
    '|---|---:|---:|---:|---:|---:|---|---|',
  ];
  let group = '';
  for (const row of rows) {
    if (row.group !== group) {
      group = row.group;
      lines.push(`| **${group}** | | | | | | | |`);
    }
    const label = `${row.label} (${row.unit})${row.note ? ` ${row.note}` : ''}`;
    lines.push(
      `| ${label} | ${cell(row.figures.coordinator, row.unit)} | ${cell(row.figures.bullmq, row.unit)} | ` +
        `${ratioCell(ratio(row, 'bullmq'))} | ${cell(row.figures.ceiling, row.unit)} | ` +
        `${ratioCell(ratio(row, 'ceiling'))} | ${targetCell(row)} | ${metCell(row)} |`,
    );
  }
  lines.push('', ...context.notes.map((note) => `- ${note}`), '', '![chart](latest.svg)', '');
  return lines.join('\n');
}
