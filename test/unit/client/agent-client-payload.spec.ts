import fc from 'fast-check';
import { ValidationError } from '../../../lib';
import { assertAgentClientPayload } from '../../../lib/client/agent-client.payload';
import { errorOf } from '../../support/errors';

/** The payload rules of the agent client: what JSON carries exactly passes, the rest is refused. */

class LineDto {
  constructor(
    readonly sku: string,
    readonly quantity: number,
  ) {}

  /** On the prototype: not an own property, so not sent. */
  get label(): string {
    return `${this.quantity} × ${this.sku}`;
  }
}

class CreateInvoiceDto {
  note?: string;
  constructor(
    readonly customerId: string,
    readonly lines: LineDto[],
    readonly dueAt: Date,
  ) {}

  total(): number {
    return this.lines.length;
  }
}

/** The field and rule `payload` is refused with. */
function refusal(payload: unknown): { field: string; rule: string; message: string } {
  const error = errorOf(ValidationError, () => assertAgentClientPayload(payload));
  return { field: error.field, rule: error.rule, message: error.message };
}

describe('assertAgentClientPayload', () => {
  it('accepts a DTO class instance and returns it unchanged, to be sent by its own enumerable properties', () => {
    const dto = new CreateInvoiceDto(
      'c-1',
      [new LineDto('a', 2)],
      new Date('2030-01-02T03:04:05.000Z'),
    );
    const before = JSON.stringify(dto);
    expect(assertAgentClientPayload(dto)).toBe(dto);
    expect(JSON.stringify(dto)).toBe(before);
    // `note` is undefined (left out, as absent); getters and methods live on the prototype.
    expect(JSON.parse(before)).toEqual({
      customerId: 'c-1',
      lines: [{ sku: 'a', quantity: 2 }],
      dueAt: '2030-01-02T03:04:05.000Z',
    });
  });

  it('accepts plain objects, null, nested arrays, toJSON results and Object.create(null)', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const payload = {
      bare,
      nothing: null,
      grid: [
        [1, 2],
        ['x', true],
      ],
      money: { toJSON: () => ({ cents: 150 }) },
      absent: undefined,
    };
    expect(assertAgentClientPayload(payload)).toBe(payload);
  });

  it('accepts a bigint only when BigInt.prototype.toJSON says how to write it', () => {
    expect(refusal({ n: 1n })).toMatchObject({ field: 'payload.n', rule: 'isJson' });
    const proto = BigInt.prototype as { toJSON?: () => string };
    proto.toJSON = function (this: bigint) {
      return this.toString();
    };
    try {
      expect(assertAgentClientPayload({ n: 1n })).toEqual({ n: 1n });
      expect(JSON.stringify({ n: 1n })).toBe('{"n":"1"}');
    } finally {
      delete proto.toJSON;
    }
  });

  it.each([
    ['undefined in an array', { list: [1, undefined] }, 'payload.list[1]', 'isJson'],
    // eslint-disable-next-line no-sparse-arrays
    ['an array hole', { list: [1, , 3] }, 'payload.list[1]', 'isJson'],
    ['a function', { run: () => 1 }, 'payload.run', 'isJson'],
    ['a function in an array', { list: [() => 1] }, 'payload.list[0]', 'isJson'],
    ['a symbol', { s: Symbol('x') }, 'payload.s', 'isJson'],
    ['a bigint', { deep: { n: 10n } }, 'payload.deep.n', 'isJson'],
    ['NaN', { n: NaN }, 'payload.n', 'isJson'],
    ['Infinity', { n: [0, -Infinity] }, 'payload.n[1]', 'isJson'],
    ['an invalid Date', { at: new Date('nope') }, 'payload.at', 'isJson'],
    ['a Map', { m: new Map([['a', 1]]) }, 'payload.m', 'isJson'],
    ['a Set', { s: new Set([1]) }, 'payload.s', 'isJson'],
    ['a RegExp', { r: /x/ }, 'payload.r', 'isJson'],
    ['a typed array', { bytes: new Uint8Array(2) }, 'payload.bytes', 'isJson'],
    ['an Error', { e: new Error('boom') }, 'payload.e', 'isJson'],
    ['a boxed number', { n: Object(1) as object }, 'payload.n', 'isJson'],
    [
      'a named property of an array',
      { list: Object.assign([1], { extra: 2 }) },
      'payload.list.extra',
      'isJson',
    ],
    ['a symbol-keyed property', { o: { [Symbol('k')]: 1 } }, 'payload.o[Symbol(k)]', 'isJson'],
    ['a toJSON that returns a bigint', { v: { toJSON: () => 1n } }, 'payload.v', 'isJson'],
    [
      'an own __proto__ key',
      JSON.parse('{"a":{"__proto__":{}}}') as object,
      'payload.a.__proto__',
      'noPrototypeKeys',
    ],
  ])('refuses %s, naming its path', (_what, payload, field, rule) => {
    expect(refusal(payload)).toMatchObject({ field, rule });
  });

  it('says what the value is and that JSON cannot carry it', () => {
    expect(refusal({ n: { m: NaN } }).message).toBe(
      'Invalid payload.n.m: NaN, which JSON cannot carry exactly (rule: isJson)',
    );
    expect(refusal({ m: new Map() }).message).toBe(
      'Invalid payload.m: Map object without toJSON(), which JSON cannot carry exactly (rule: isJson)',
    );
    expect(refusal({ f: [function named() {}] }).message).toContain('a function');
    expect(refusal({ b: 7n }).message).toContain('7n, which JSON');
  });

  it('refuses anything but an object at the top, also through a top-level toJSON', () => {
    for (const payload of [[1], 'text', 3, null, undefined, () => ({})]) {
      expect(refusal(payload)).toMatchObject({ field: 'payload', rule: 'isObject' });
    }
    expect(refusal([1])).toMatchObject({ field: 'payload', rule: 'isObject' });
    expect(refusal({ toJSON: () => [1, 2] })).toMatchObject({ field: 'payload', rule: 'isObject' });
    expect(refusal({ toJSON: () => 'text' })).toMatchObject({ field: 'payload', rule: 'isObject' });
    expect(assertAgentClientPayload({ toJSON: () => ({ ok: true }) })).toBeDefined();
  });

  it('calls toJSON with the key or index, as JSON.stringify does', () => {
    const keys: string[] = [];
    const spy = {
      toJSON(key: string) {
        keys.push(key);
        return key;
      },
    };
    const payload = { a: spy, list: [spy, spy] };
    assertAgentClientPayload(payload);
    const checked = keys.splice(0);
    JSON.stringify(payload);
    expect(checked).toEqual(['a', '0', '1']);
    expect(checked).toEqual(keys.splice(0));
    const root = {
      toJSON(key: string) {
        keys.push(`root:${key}`);
        return {};
      },
    };
    assertAgentClientPayload(root);
    expect(keys).toEqual(['root:']);
  });

  it('refuses what cannot be read: a throwing getter or toJSON, a revoked proxy', () => {
    const getter = {
      get bad(): never {
        throw new Error('getter');
      },
    };
    expect(refusal({ g: getter })).toMatchObject({ field: 'payload.g', rule: 'isReadable' });
    const throwing = {
      toJSON(): never {
        throw new Error('no');
      },
    };
    expect(refusal({ t: throwing })).toMatchObject({ field: 'payload.t', rule: 'isReadable' });
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(refusal({ p: revocable.proxy })).toMatchObject({
      field: 'payload.p',
      rule: 'isReadable',
    });
  });

  it('refuses a cycle as nesting too deep rather than looping', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    expect(refusal(cycle)).toMatchObject({ rule: 'maxPayloadDepth' });
  });

  it('walks a value shared by reference once per depth, refusing it wherever it is reached', () => {
    const shared = { n: 1 };
    expect(assertAgentClientPayload({ a: shared, b: [shared, shared] })).toBeDefined();
    const bad = { n: NaN };
    expect(refusal({ a: { b: bad }, c: bad })).toMatchObject({ field: 'payload.a.b.n' });
  });

  it('a payload it accepts round-trips through JSON deep-equal, unchanged', () => {
    const key = fc.string().filter((k) => k !== '__proto__');
    const leaf = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.integer(),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (payload) => {
        const snapshot = structuredClone(payload);
        expect(assertAgentClientPayload(payload)).toBe(payload);
        expect(JSON.parse(JSON.stringify(payload))).toEqual(snapshot);
        expect(payload).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });

  it('any value JSON would change, put anywhere in a payload, is refused naming that place', () => {
    const unfit = fc.constantFrom<unknown>(
      undefined,
      NaN,
      Infinity,
      5n,
      Symbol('s'),
      () => 1,
      new Map(),
      new Set(),
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('list'), fc.constant('obj'))),
        unfit,
        (steps, bad) => {
          // Wrap `bad` in arrays and objects; `undefined` only in an array (a property is absent).
          let value: unknown = [bad];
          let path = '[0]';
          for (const step of steps) {
            value = step === 'list' ? ['x', value] : { k: value };
            path = step === 'list' ? `[1]${path}` : `.k${path}`;
          }
          expect(refusal({ root: value }).field).toBe(`payload.root${path}`);
        },
      ),
    );
  });
});
