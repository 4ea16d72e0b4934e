import { ConfigurationError, ValidationError } from '../../../lib/errors';
import {
  DEFAULT_CIRCUIT_BREAKER_CONFIG,
  assertBreakerName,
  resolveCircuitBreakerConfig,
  sameBreakerConfig,
  type CircuitBreakerConfig,
} from '../../../lib/resilience/circuit-breaker.config';
import { resolveCircuitBreakerOptions } from '../../../lib/resilience/circuit-breaker.options';

/** What `fn` throws (undefined when it does not). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('resolveCircuitBreakerConfig', () => {
  it('fills in the documented defaults', () => {
    expect(resolveCircuitBreakerConfig()).toEqual({
      failureThreshold: 5,
      openTimeoutMs: 60_000,
      halfOpenMaxCalls: 3,
      successThreshold: 2,
      recoveryTimeoutMs: 300_000,
      rollingWindowMs: 60_000,
      minimumCalls: 10,
    });
    expect(DEFAULT_CIRCUIT_BREAKER_CONFIG.failureThreshold).toBe(5);
  });

  it('layers config over registry defaults over built-in defaults, ignoring undefined', () => {
    const config = resolveCircuitBreakerConfig(
      { openTimeoutMs: 200, failureThreshold: undefined },
      { failureThreshold: 2, openTimeoutMs: 100, recoveryTimeoutMs: 1_000 },
    );
    expect(config).toMatchObject({
      failureThreshold: 2,
      openTimeoutMs: 200,
      recoveryTimeoutMs: 1_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts the edge of every cross-field rule', () => {
    expect(() =>
      resolveCircuitBreakerConfig({ successThreshold: 3, halfOpenMaxCalls: 3 }),
    ).not.toThrow();
    expect(() =>
      resolveCircuitBreakerConfig({ openTimeoutMs: 100, recoveryTimeoutMs: 101 }),
    ).not.toThrow();
    expect(() => resolveCircuitBreakerConfig({ failureRateThreshold: 1 })).not.toThrow();
  });

  const invalid: [
    string,
    Partial<CircuitBreakerConfig> | Record<string, unknown>,
    string,
    string,
  ][] = [
    ['zero failure threshold', { failureThreshold: 0 }, 'config.failureThreshold', 'range'],
    ['fractional failure threshold', { failureThreshold: 2.5 }, 'config.failureThreshold', 'isInt'],
    ['string failure threshold', { failureThreshold: '5' }, 'config.failureThreshold', 'isInt'],
    ['zero open timeout', { openTimeoutMs: 0 }, 'config.openTimeoutMs', 'range'],
    ['open timeout over a day', { openTimeoutMs: 86_400_001 }, 'config.openTimeoutMs', 'range'],
    ['NaN open timeout', { openTimeoutMs: NaN }, 'config.openTimeoutMs', 'isInt'],
    ['zero half-open calls', { halfOpenMaxCalls: 0 }, 'config.halfOpenMaxCalls', 'range'],
    ['zero success threshold', { successThreshold: 0 }, 'config.successThreshold', 'range'],
    [
      'success threshold above half-open calls',
      { successThreshold: 4, halfOpenMaxCalls: 3 },
      'config.successThreshold',
      'maxHalfOpenCalls',
    ],
    [
      'recovery timeout equal to open timeout',
      { openTimeoutMs: 1_000, recoveryTimeoutMs: 1_000 },
      'config.recoveryTimeoutMs',
      'greaterThanOpenTimeout',
    ],
    [
      'recovery timeout below open timeout',
      { openTimeoutMs: 400_000 },
      'config.recoveryTimeoutMs',
      'greaterThanOpenTimeout',
    ],
    [
      'recovery timeout over 7 days',
      { recoveryTimeoutMs: 7 * 86_400_000 + 1 },
      'config.recoveryTimeoutMs',
      'range',
    ],
    ['zero failure rate', { failureRateThreshold: 0 }, 'config.failureRateThreshold', 'range'],
    ['failure rate above 1', { failureRateThreshold: 1.5 }, 'config.failureRateThreshold', 'range'],
    [
      'negative failure rate',
      { failureRateThreshold: -0.1 },
      'config.failureRateThreshold',
      'range',
    ],
    [
      'infinite failure rate',
      { failureRateThreshold: Infinity },
      'config.failureRateThreshold',
      'isNumber',
    ],
    ['tiny rolling window', { rollingWindowMs: 5 }, 'config.rollingWindowMs', 'range'],
    ['zero minimum calls', { minimumCalls: 0 }, 'config.minimumCalls', 'range'],
    ['non-function isFailure', { isFailure: true }, 'config.isFailure', 'isFunction'],
    ['unknown field (typo)', { failureTreshold: 3 }, 'config.failureTreshold', 'unknown'],
  ];

  it.each(invalid)('refuses %s, naming field and rule', (_, config, field, rule) => {
    const error = thrown(() => resolveCircuitBreakerConfig(config));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ field, rule, code: 'INVALID_CONFIG' });
    expect((error as Error).message).toContain(field);
  });

  it('checks the combination of defaults and config, naming the defaults when they are wrong', () => {
    expect(
      thrown(() => resolveCircuitBreakerConfig({ halfOpenMaxCalls: 1 }, { successThreshold: 2 })),
    ).toMatchObject({ field: 'config.successThreshold' });
    expect(thrown(() => resolveCircuitBreakerConfig({}, { bogus: 1 } as never))).toMatchObject({
      field: 'defaults.bogus',
      rule: 'unknown',
    });
    expect(thrown(() => resolveCircuitBreakerConfig(null as never))).toMatchObject({
      field: 'config',
      rule: 'isObject',
    });
  });

  it('compares resolved configs field by field, isFailure by identity', () => {
    const isFailure = (): boolean => true;
    const a = resolveCircuitBreakerConfig({ isFailure });
    expect(sameBreakerConfig(a, resolveCircuitBreakerConfig({ isFailure }))).toBe(true);
    expect(sameBreakerConfig(a, resolveCircuitBreakerConfig({ isFailure: () => true }))).toBe(
      false,
    );
    expect(sameBreakerConfig(a, resolveCircuitBreakerConfig({ isFailure, minimumCalls: 3 }))).toBe(
      false,
    );
  });
});

describe('assertBreakerName', () => {
  it.each(['a', 'workflow:ingest', 'llm.openai-gpt_4', 'x'.repeat(128)])('accepts %s', (name) => {
    expect(assertBreakerName(name)).toBe(name);
  });

  it.each(['', 'x'.repeat(129), 'with space', '{tag}', 'a*', 'ü', 42])('refuses %p', (name) => {
    expect(() => assertBreakerName(name)).toThrow(ValidationError);
    expect(thrown(() => assertBreakerName(name))).toMatchObject({ field: 'name', rule: 'matches' });
  });
});

describe('resolveCircuitBreakerOptions', () => {
  it('has defaults', () => {
    expect(resolveCircuitBreakerOptions()).toMatchObject({
      keyPrefix: 'ao',
      commandTimeoutMs: 500,
      resyncIntervalMs: 1_000,
      publishEvents: true,
    });
  });

  it('explains a publishEvents or onError of the wrong type', () => {
    expect(thrown(() => resolveCircuitBreakerOptions({ publishEvents: 1 } as never))).toMatchObject(
      {
        rule: 'isBoolean',
        message: 'Invalid publishEvents: must be true or false (rule: isBoolean)',
      },
    );
    expect(thrown(() => resolveCircuitBreakerOptions({ onError: {} } as never))).toMatchObject({
      rule: 'isFunction',
      message: 'Invalid onError: must be a function (rule: isFunction)',
    });
  });

  it.each([
    [{ keyPrefix: 'bad prefix' }, 'keyPrefix'],
    [{ commandTimeoutMs: 0 }, 'commandTimeoutMs'],
    [{ resyncIntervalMs: -1 }, 'resyncIntervalMs'],
    [{ publishEvents: 'yes' }, 'publishEvents'],
    [{ onError: 'log' }, 'onError'],
  ])('refuses %p', (options, field) => {
    expect(thrown(() => resolveCircuitBreakerOptions(options as never))).toMatchObject({
      field,
      code: 'INVALID_CONFIG',
    });
  });
});
