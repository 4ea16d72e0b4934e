import { ConfigurationError } from '../../../lib/errors';
import { resolveRegistryOptions } from '../../../lib/registry/registry.options';
import { errorOf } from '../../support/errors';

const failure = (fn: () => unknown) => errorOf(ConfigurationError, fn);

describe('resolveRegistryOptions', () => {
  it('fills the remaining defaults', () => {
    const options = resolveRegistryOptions();
    expect(options).toMatchObject({
      retainExpiredMs: 30_000,
      expirySweepBatch: 100,
      subscribeEvents: true,
      maxRecordBytes: 1024 * 1024,
    });
    expect([...options.volatileStatusFields]).toEqual(['metrics']);
  });

  it('keeps the values given', () => {
    const options = resolveRegistryOptions({
      heartbeatTtlMs: 900,
      heartbeatIntervalMs: 300,
      retainExpiredMs: 0,
      volatileStatusFields: ['load', 'queue'],
      expirySweepBatch: 10_000,
      subscribeEvents: false,
      maxRecordBytes: 1024,
    });
    expect(options).toMatchObject({
      retainExpiredMs: 0,
      expirySweepBatch: 10_000,
      subscribeEvents: false,
      maxRecordBytes: 1024,
    });
    expect([...options.volatileStatusFields]).toEqual(['load', 'queue']);
    expect(resolveRegistryOptions({ heartbeatTtlMs: 9_000 }).retainExpiredMs).toBe(9_000);
  });

  it('accepts a defaulted interval of exactly half the TTL, and explains a longer one', () => {
    expect(resolveRegistryOptions({ heartbeatTtlMs: 2_000 }).heartbeatIntervalMs).toBe(1_000);
    const error = failure(() => resolveRegistryOptions({ heartbeatTtlMs: 1_999 }));
    expect(error).toMatchObject({ field: 'heartbeatIntervalMs', rule: 'required' });
    expect(error.message).toContain(
      'must be given for heartbeatTtlMs 1999: the default of 1000 ms would let agents lapse',
    );
  });

  it('names each option it refuses', () => {
    expect(failure(() => resolveRegistryOptions({ heartbeatTtlMs: 9 })).field).toBe(
      'heartbeatTtlMs',
    );
    expect(failure(() => resolveRegistryOptions({ retainExpiredMs: -1 })).field).toBe(
      'retainExpiredMs',
    );
    expect(failure(() => resolveRegistryOptions({ expirySweepBatch: 10_001 })).field).toBe(
      'expirySweepBatch',
    );
    expect(failure(() => resolveRegistryOptions({ maxRecordBytes: 1023 })).field).toBe(
      'maxRecordBytes',
    );
    const strategy = failure(() => resolveRegistryOptions({ matchingStrategy: 'x' as never }));
    expect(strategy).toMatchObject({ field: 'matchingStrategy', rule: 'isEnum' });
    expect(strategy.message).toContain('unknown strategy x');
  });
});
