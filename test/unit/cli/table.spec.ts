import { formatAge, renderTable, type Column } from '../../../lib/cli/table';

interface Row {
  name: string;
  count: number;
}

const columns: Column<Row>[] = [
  { header: 'NAME', value: (row) => row.name },
  { header: 'N', value: (row) => String(row.count), right: true },
];

describe('renderTable', () => {
  it('prints (none) for no rows', () => {
    expect(renderTable([], columns)).toBe('(none)');
  });

  it('aligns columns to their widest cell or header, numbers to the right, two spaces apart', () => {
    const text = renderTable(
      [
        { name: 'alpha', count: 7 },
        { name: 'b', count: 1234 },
      ],
      columns,
    );
    expect(text.split('\n')).toEqual(['NAME      N', 'alpha     7', 'b      1234']);
  });

  it('pads a left-aligned cell to a header wider than every value, and trims line ends', () => {
    const text = renderTable(
      [{ name: 'x', count: 1 }],
      [
        { header: 'LONG HEADER', value: (row: Row) => row.name },
        { header: 'NAME', value: (row: Row) => row.name },
      ],
    );
    expect(text.split('\n')).toEqual(['LONG HEADER  NAME', 'x            x']);
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');

  it('prints - for no time or a time that cannot be read', () => {
    expect(formatAge(null, now)).toBe('-');
    expect(formatAge(undefined, now)).toBe('-');
    expect(formatAge('not a date', now)).toBe('-');
  });

  it('takes epoch milliseconds and ISO strings', () => {
    expect(formatAge(now - 42_000, now)).toBe('42s');
    expect(formatAge('2026-01-09T23:59:18Z', now)).toBe('42s');
  });

  it('counts from the current time by default', () => {
    expect(formatAge(Date.now() - 5_000)).toMatch(/^[56]s$/);
  });

  it('never prints a negative age', () => {
    expect(formatAge(now + 60_000, now)).toBe('0s');
  });

  it('uses seconds below 2 minutes, minutes below 2 hours, hours below 2 days, then days', () => {
    const s = 1000;
    expect(formatAge(now - 119 * s, now)).toBe('119s');
    expect(formatAge(now - 120 * s, now)).toBe('2m');
    expect(formatAge(now - 150 * s, now)).toBe('3m');
    expect(formatAge(now - 7199 * s, now)).toBe('120m');
    expect(formatAge(now - 7200 * s, now)).toBe('2h');
    expect(formatAge(now - 172_799 * s, now)).toBe('48h');
    expect(formatAge(now - 172_800 * s, now)).toBe('2d');
    expect(formatAge(now - 5 * 86_400 * s, now)).toBe('5d');
  });

  it('rounds to whole seconds', () => {
    expect(formatAge(now - 1_499, now)).toBe('1s');
    expect(formatAge(now - 1_500, now)).toBe('2s');
  });
});
