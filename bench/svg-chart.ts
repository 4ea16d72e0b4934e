import type { Row, Series } from './rows';

const COLOURS: Record<Series, string> = {
  coordinator: '#2b6cb0',
  bullmq: '#dd6b20',
  ceiling: '#a0aec0',
  baseline: '#68d391',
};
const LABELS: Record<Series, string> = {
  coordinator: 'coordinator',
  bullmq: 'BullMQ',
  ceiling: 'raw Redis ceiling',
  baseline: 'baseline build',
};
const WIDTH = 960;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 110 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value || 1));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;
}

/** One grouped bar chart (one group per row, one bar per series, min–max whiskers). */
function panel(title: string, unit: string, rows: Row[], top: number): string {
  const series = (['coordinator', 'bullmq', 'ceiling', 'baseline'] as Series[]).filter((s) =>
    rows.some((row) => row.figures[s]),
  );
  const maxValue = niceMax(
    Math.max(...rows.flatMap((row) => series.map((s) => row.figures[s]?.max ?? 0))),
  );
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const baseY = top + MARGIN.top + plotHeight;
  const y = (value: number): number => baseY - (value / maxValue) * plotHeight;
  const groupWidth = plotWidth / rows.length;
  const barWidth = Math.min(36, (groupWidth * 0.8) / series.length);
  const parts = [text(MARGIN.left, top + 22, `${title} (${unit})`, 'font-weight="bold"')];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (maxValue * tick) / 4;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e2e8f0"/>`,
      text(MARGIN.left - 6, y(value) + 4, value.toLocaleString('en-US'), 'text-anchor="end"'),
    );
  }
  rows.forEach((row, index) => {
    const groupX = MARGIN.left + index * groupWidth;
    const firstX = groupX + (groupWidth - barWidth * series.length) / 2;
    series.forEach((s, k) => {
      const figure = row.figures[s];
      if (!figure) return;
      const x = firstX + k * barWidth;
      const middle = x + barWidth / 2;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(figure.median).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" ` +
          `height="${(baseY - y(figure.median)).toFixed(1)}" fill="${COLOURS[s]}"><title>${escape(
            `${LABELS[s]}: ${figure.median.toFixed(2)} ${unit}`,
          )}</title></rect>`,
        `<line x1="${middle - 1}" x2="${middle - 1}" y1="${y(figure.min).toFixed(1)}" y2="${y(figure.max).toFixed(1)}" stroke="#1a202c"/>`,
      );
    });
    const labelX = groupX + groupWidth / 2;
    parts.push(
      text(
        labelX,
        baseY + 14,
        row.chartLabel ?? row.label,
        `text-anchor="end" transform="rotate(-35 ${labelX.toFixed(1)} ${(baseY + 14).toFixed(1)})"`,
      ),
    );
  });
  series.forEach((s, k) => {
    const x = MARGIN.left + k * 170;
    const legendY = top + PANEL_HEIGHT - 12;
    parts.push(
      `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLOURS[s]}"/>`,
      text(x + 18, legendY, LABELS[s]),
    );
  });
  return parts.join('\n');
}

/** Bar charts of the results, one panel per unit, as a standalone SVG document. */
export function svgChart(rows: Row[], subtitle: string): string {
  const panels = [
    { title: 'Throughput, higher is better', unit: 'msg/s' },
    { title: 'Latency send → handler, lower is better', unit: 'ms' },
    { title: 'Redis memory per queued message, lower is better', unit: 'B/msg' },
  ]
    .map((p) => ({ ...p, rows: rows.filter((row) => row.unit === p.unit) }))
    .filter((p) => p.rows.length > 0);
  const height = 30 + panels.length * PANEL_HEIGHT;
  const body = panels.map((p, i) => panel(p.title, p.unit, p.rows, 30 + i * PANEL_HEIGHT));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(MARGIN.left, 20, subtitle, 'fill="#4a5568"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
