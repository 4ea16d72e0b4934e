import { parseJsonObject } from '../../../lib/common/json';

describe('parseJsonObject', () => {
  it('returns a JSON object', () => {
    expect(parseJsonObject('{"a":1,"b":{"c":[2]}}')).toEqual({ a: 1, b: { c: [2] } });
  });

  it('returns null for text that is not JSON', () => {
    expect(parseJsonObject('{"a":')).toBeNull();
    expect(parseJsonObject('')).toBeNull();
  });

  it('returns null for JSON that is not an object', () => {
    for (const text of ['null', '[1,2]', '"text"', '42', 'true']) {
      expect(parseJsonObject(text)).toBeNull();
    }
  });
});
