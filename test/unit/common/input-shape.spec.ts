import {
  MAX_INPUT_DEPTH,
  assertInteger,
  assertNumber,
  assertShape,
  describeValue,
  optionsObject,
  validateDto,
} from '../../../lib/common/validate';
import { ConfigurationError, ValidationError } from '../../../lib/errors';
import { AgentIdDto, parseAgentId } from '../../../lib/common/agent-id';
import { resolveRegistryOptions } from '../../../lib/registry/registry.options';
import { backoffDelay, resolveRetryPolicy } from '../../../lib/resilience/backoff';
import { resolveCircuitBreakerOptions } from '../../../lib/resilience/circuit-breaker.options';
import { errorOf } from '../../support/errors';

const rules = { maxDepth: 5, depthRule: 'maxDepth', noPrototypeKeys: true };

function chain(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

describe('assertShape', () => {
  it('refuses 100 000 levels of objects or arrays with a ValidationError, not a RangeError', () => {
    const objects = errorOf(ValidationError, () =>
      assertShape(
        chain(100_000, (d) => ({ d })),
        'x',
        rules,
      ),
    );
    expect(objects).toMatchObject({ field: 'x.d.d.d.d.d', rule: 'maxDepth' });
    const arrays = errorOf(ValidationError, () =>
      assertShape(
        chain(100_000, (d) => [d]),
        'x',
        rules,
      ),
    );
    expect(arrays).toMatchObject({ field: 'x[0][0][0][0][0]', rule: 'maxDepth' });
  });

  it('ends a cycle as nesting too deep', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorOf(ValidationError, () => assertShape(cycle, 'x', rules)).rule).toBe('maxDepth');
  });

  it('walks shared references without an exponential blow-up', () => {
    let shared: unknown = {};
    for (let i = 0; i < 60; i++) shared = { a: shared, b: shared, c: [shared, shared] };
    expect(() => assertShape(shared, 'x', { ...rules, maxDepth: 200 })).not.toThrow();
  });

  it('reports a value that cannot be read, and sparse arrays as holes', () => {
    const hostile = {
      get bad(): never {
        throw new Error('getter');
      },
    };
    expect(errorOf(ValidationError, () => assertShape({ ok: hostile }, 'x', rules))).toMatchObject({
      field: 'x.ok',
      rule: 'isReadable',
    });
    // eslint-disable-next-line no-sparse-arrays
    expect(() => assertShape({ a: [1, , 3] }, 'x', rules)).not.toThrow();
  });

  it('validateDto bounds the nesting before class-transformer recurses', () => {
    const deep = chain(100_000, (d) => ({ d })) as object;
    const error = errorOf(ValidationError, () => validateDto(AgentIdDto, deep, 'agentId'));
    expect(error.rule).toBe('maxDepth');
    expect(error.message).toContain(`nesting deeper than ${MAX_INPUT_DEPTH}`);
  });
});

describe('describeValue', () => {
  const revocable = Proxy.revocable([], {});
  revocable.revoke();
  it.each<[string, unknown, string]>([
    ['a bare object', Object.create(null), 'an object'],
    ['a symbol', Symbol('s'), 'a symbol'],
    [
      'an object whose toString throws',
      {
        toString(): never {
          throw new Error('no');
        },
      },
      'an object',
    ],
    ['a revoked proxy', revocable.proxy, 'an object'],
    ['an array', [1], 'an array'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a function', () => 1, 'a function'],
    ['a bigint', BigInt(7), '7n'],
    ['a number', 2.5, '2.5'],
    ['a short string', 'ab', '"ab"'],
    ['a long string', 'y'.repeat(50), `"${'y'.repeat(40)}…"`],
  ])('describes %s without converting it', (_what, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('is what option checks print', () => {
    expect(() => assertInteger(Object.create(null), 'n', 0)).toThrow(
      'must be an integer, got an object',
    );
    expect(() => assertNumber(Symbol('x'), 'n', 0)).toThrow(
      'must be a finite number, got a symbol',
    );
  });
});

describe('typed errors for malformed arguments', () => {
  it.each<[string, () => unknown, string]>([
    ['optionsObject(null)', () => optionsObject(null as never, 'opts'), 'opts'],
    ['optionsObject([])', () => optionsObject([] as never, 'opts'), 'opts'],
    ['optionsObject(5)', () => optionsObject(5 as never, 'opts'), 'opts'],
    ['resolveRetryPolicy(null)', () => resolveRetryPolicy(null as never), 'retryPolicy'],
    ['backoffDelay(null)', () => backoffDelay(null as never, 1), 'policy'],
    [
      'backoffDelay with a text retry',
      () => backoffDelay(resolveRetryPolicy(), 'x' as never),
      'retry',
    ],
    [
      'backoffDelay with a random that is not a function',
      () => backoffDelay(resolveRetryPolicy(), 1, 5 as never),
      'random',
    ],
    ['resolveRegistryOptions(null)', () => resolveRegistryOptions(null as never), 'options'],
    [
      'a matchingStrategy that cannot be printed',
      () => resolveRegistryOptions({ matchingStrategy: Object.create(null) as never }),
      'matchingStrategy',
    ],
    [
      'matchWeights: null',
      () => resolveRegistryOptions({ matchWeights: null as never }),
      'matchWeights',
    ],
    [
      'resolveCircuitBreakerOptions(null)',
      () => resolveCircuitBreakerOptions(null as never),
      'options',
    ],
  ])('%s throws a ConfigurationError naming the field', (_what, run, field) => {
    expect(errorOf(ConfigurationError, run).field).toBe(field);
  });

  it('parseAgentId(5) throws a ValidationError; malformed text is still null', () => {
    expect(errorOf(ValidationError, () => parseAgentId(5 as never))).toMatchObject({
      field: 'text',
      rule: 'isString',
    });
    expect(parseAgentId('no-slash')).toBeNull();
  });
});
