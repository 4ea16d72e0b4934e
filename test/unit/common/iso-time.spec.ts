import fc from 'fast-check';
import { isoTime } from '../../../lib/common/iso-time';

describe('isoTime', () => {
  it('writes what Date#toISOString writes, for any time a Date holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2_000 },
    );
  });

  it('stays right while times move across minutes and back', () => {
    const start = Date.UTC(2026, 11, 31, 23, 58, 59, 999);
    for (let ms = start; ms < start + 180_000; ms += 997) {
      for (const at of [ms, ms - 61_000, ms + 30_000]) {
        expect(isoTime(at)).toBe(new Date(at).toISOString());
      }
    }
  });

  it.each([0, 1, 59_999, 60_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5])(
    'hands %p to Date where the fast form does not apply, or agrees with it where it does',
    (ms) => {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    },
  );
});
