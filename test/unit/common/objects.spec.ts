import { stripUndefined } from '../../../lib/common/objects';

describe('stripUndefined', () => {
  it('drops undefined properties and keeps every other value, falsy ones included', () => {
    const stripped = stripUndefined({ a: undefined, b: null, c: 0, d: '', e: false, f: 1 });
    expect(stripped).toEqual({ b: null, c: 0, d: '', e: false, f: 1 });
    expect(Object.keys(stripped)).toEqual(['b', 'c', 'd', 'e', 'f']);
  });

  it('lets defaults show through where a value was left undefined', () => {
    expect({ x: 1, y: 2, ...stripUndefined({ x: undefined, y: 3 }) }).toEqual({ x: 1, y: 3 });
  });
});
