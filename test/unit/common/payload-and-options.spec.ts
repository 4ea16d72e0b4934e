import {
  assertInteger,
  assertKeyPrefix,
  assertNumber,
  serialisePayload,
} from '../../../lib/common/validate';
import { ConfigurationError, PayloadTooLargeError, ValidationError } from '../../../lib/errors';
import { errorOf } from '../../support/errors';

const thrown = (fn: () => unknown) => errorOf(ValidationError, fn);

describe('serialisePayload', () => {
  const limits = { maxPayloadBytes: 100, maxPayloadDepth: 3 };

  it('returns the JSON text of a plain object', () => {
    expect(serialisePayload({ a: [1, { b: 'x' }] }, 'p', limits)).toBe('{"a":[1,{"b":"x"}]}');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [1]],
    ['a string', 'text'],
    ['a number', 5],
  ])('refuses %s at the top', (_what, payload) => {
    const error = thrown(() => serialisePayload(payload, 'message.payload', limits));
    expect(error).toMatchObject({ field: 'message.payload', rule: 'isObject' });
    expect(error.message).toContain('must be a JSON object');
  });

  it('counts nesting of objects and arrays, naming the path of the level too deep', () => {
    expect(() => serialisePayload({ a: { b: { c: 1 } } }, 'p', limits)).not.toThrow();
    expect(() => serialisePayload({ a: [[1]] }, 'p', limits)).not.toThrow();
    const objects = thrown(() => serialisePayload({ a: { b: { c: {} } } }, 'p', limits));
    expect(objects).toMatchObject({ field: 'p.a.b.c', rule: 'maxPayloadDepth' });
    expect(objects.message).toContain('nesting deeper than 3');
    const arrays = thrown(() => serialisePayload({ a: [1, [[2]]] }, 'p', limits));
    expect(arrays).toMatchObject({ field: 'p.a[1][0]', rule: 'maxPayloadDepth' });
  });

  it('refuses a __proto__ key at any depth, inside arrays too', () => {
    const nested = JSON.parse('{"a":{"__proto__":{"x":1}}}') as object;
    expect(thrown(() => serialisePayload(nested, 'p', limits))).toMatchObject({
      field: 'p.a.__proto__',
      rule: 'noPrototypeKeys',
    });
    const inArray = JSON.parse('{"a":[{"ok":1},{"__proto__":{}}]}') as object;
    const error = thrown(() => serialisePayload(inArray, 'p', limits));
    expect(error.field).toBe('p.a[1].__proto__');
    expect(error.message).toContain('the key __proto__ is not allowed');
    const top = JSON.parse('{"__proto__":{}}') as object;
    expect(thrown(() => serialisePayload(top, 'p', limits)).field).toBe('p.__proto__');
  });

  it('accepts null values and empty containers at any depth', () => {
    const payload = { a: null, b: [null, {}], c: { d: [] } };
    expect(serialisePayload(payload, 'p', limits)).toBe(JSON.stringify(payload));
  });

  it('refuses what JSON cannot hold', () => {
    const error = thrown(() => serialisePayload({ n: BigInt(1) }, 'p', limits));
    expect(error).toMatchObject({ field: 'p', rule: 'isJson' });
    expect(error.message).toMatch(/cannot be serialised: .*BigInt/);
  });

  it('limits the UTF-8 size, the limit itself allowed', () => {
    // {"t":"…"} is 8 bytes plus the text; é takes two bytes.
    expect(serialisePayload({ t: 'x'.repeat(92) }, 'p', limits)).toHaveLength(100);
    const error = thrown(() => serialisePayload({ t: 'é'.repeat(47) }, 'p', limits));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ field: 'p', size: 102, limit: 100 });
  });
});

describe('assertInteger and assertNumber', () => {
  it('return the value within the bounds, bounds included', () => {
    expect(assertInteger(1, 'f', 1, 3)).toBe(1);
    expect(assertInteger(3, 'f', 1, 3)).toBe(3);
    expect(assertInteger(Number.MAX_SAFE_INTEGER, 'f', 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(assertNumber(0.5, 'f', 0.5, 1)).toBe(0.5);
    expect(assertNumber(1, 'f', 0.5, 1)).toBe(1);
    expect(assertNumber(Number.MAX_VALUE, 'f', 0)).toBe(Number.MAX_VALUE);
  });

  it('name the field, the rule and the value', () => {
    const low = thrown(() => assertInteger(0, 'queueSize', 1, 5));
    expect(low).toBeInstanceOf(ConfigurationError);
    expect(low).toMatchObject({ field: 'queueSize', rule: 'range' });
    expect(low.message).toBe('Invalid queueSize: must be between 1 and 5, got 0 (rule: range)');
    expect(thrown(() => assertInteger(6, 'f', 1, 5)).rule).toBe('range');
    expect(thrown(() => assertInteger(1.5, 'f', 1)).message).toBe(
      'Invalid f: must be an integer, got 1.5 (rule: isInt)',
    );
    expect(thrown(() => assertInteger('2', 'f', 1)).rule).toBe('isInt');
    expect(thrown(() => assertNumber(Infinity, 'f', 0)).message).toBe(
      'Invalid f: must be a finite number, got Infinity (rule: isNumber)',
    );
    expect(thrown(() => assertNumber('1', 'f', 0)).rule).toBe('isNumber');
    expect(thrown(() => assertNumber(NaN, 'f', 0)).rule).toBe('isNumber');
    const high = thrown(() => assertNumber(1.5, 'rate', 0, 1));
    expect(high.message).toBe('Invalid rate: must be between 0 and 1, got 1.5 (rule: range)');
    expect(thrown(() => assertNumber(-0.1, 'rate', 0, 1)).rule).toBe('range');
  });
});

describe('assertKeyPrefix', () => {
  it('accepts 1 to 64 characters of letters, digits and _.:-', () => {
    for (const prefix of ['a', 'A-z_0.9:x', 'p'.repeat(64)]) {
      expect(assertKeyPrefix(prefix)).toBe(prefix);
    }
  });

  it('refuses anything else as keyPrefix', () => {
    for (const prefix of ['', 'p'.repeat(65), 'a b', 'a{b}', 5, undefined]) {
      const error = thrown(() => assertKeyPrefix(prefix));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ field: 'keyPrefix', rule: 'matches' });
      expect(error.message).toContain('must match /^[A-Za-z0-9_.:-]{1,64}$/');
    }
  });
});
