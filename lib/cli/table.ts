/** A column of a printed table. */
export interface Column<T> {
  header: string;
  value(row: T): string;
  /** Right-align (numbers). */
  right?: boolean;
}

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
/** A cell: an optional colour code, the text, an optional reset. */
const COLOURED = new RegExp(`^(${ESC}\\[[0-9;]*m)?(.*?)(${ESC}\\[0m)?$`, 's');
/** Narrowest a column is cut to when a table is too wide for the terminal. */
const MIN_CUT_WIDTH = 5;

/** The length of `text` as shown on a terminal, colour codes left out. */
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** `text` cut to `width` visible characters ending in `…`, keeping a colour that wraps it. */
function cut(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  const [, open, body, close] = COLOURED.exec(text)!;
  return `${open ?? ''}${body.slice(0, width - 1)}…${close ?? ''}`;
}

/**
 * Renders rows as an aligned plain-text table; `(none)` when empty. With `maxWidth` (the
 * terminal's width) the widest columns are cut, their cells ending in `…`, until a line fits
 * or every column is down to a few characters.
 */
export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  maxWidth?: number,
): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i]))),
  );
  const floors = widths.map((w) => Math.min(w, MIN_CUT_WIDTH));
  const total = (): number => widths.reduce((sum, w) => sum + w, 2 * (widths.length - 1));
  while (maxWidth !== undefined && total() > maxWidth) {
    const widest = widths.reduce(
      (best, w, i) => (w - floors[i] > widths[best] - floors[best] ? i : best),
      0,
    );
    if (widths[widest] === floors[widest]) break;
    widths[widest] -= 1;
  }
  const format = (line: string[]): string =>
    line
      .map((text, i) => {
        const cell = cut(text, widths[i]);
        const pad = ' '.repeat(widths[i] - visibleLength(cell));
        return columns[i].right ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [format(columns.map((c) => c.header)), ...cells.map(format)].join('\n');
}

/** `42s`, `5m`, `3h`, `2d`: how long ago `time` was, from `now`. */
export function formatAge(time: string | number | null | undefined, now = Date.now()): string {
  if (time === null || time === undefined) return '-';
  const ms = now - (typeof time === 'number' ? time : Date.parse(time));
  if (!Number.isFinite(ms)) return '-';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}
