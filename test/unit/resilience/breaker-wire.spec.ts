import { UnexpectedScriptResultError } from '../../../lib/errors';
import {
  ACQUIRE_CODES,
  AcquireResult,
  parseBreakerReply,
} from '../../../lib/resilience/breaker-scripts';
import { decodeStateChange } from '../../../lib/resilience/circuit-breaker.events';

describe('parseBreakerReply', () => {
  it('reads code, state, generation, elapsed time (never negative) and the previous state', () => {
    expect(parseBreakerReply('acquire', [2, 2, 7, -5, 1], ACQUIRE_CODES)).toEqual({
      code: AcquireResult.PROBE,
      state: 'half_open',
      gen: 7,
      elapsedMs: 0,
      from: 'open',
    });
    expect(parseBreakerReply('acquire', ['1', '0', '0', '12', '-1'], ACQUIRE_CODES)).toEqual({
      code: AcquireResult.ADMITTED,
      state: 'closed',
      gen: 0,
      elapsedMs: 12,
      from: null,
    });
  });

  it.each([
    ['not an array', 'OK'],
    ['too short', [1, 0, 0, 0]],
    ['too long', [1, 0, 0, 0, -1, 0]],
    ['an unknown code', [9, 0, 0, 0, -1]],
    ['an unknown state', [1, 3, 0, 0, -1]],
    ['a generation that is not a number', [1, 0, 'x', 0, -1]],
    ['an elapsed time that is not a number', [1, 0, 0, 'x', -1]],
    ['an unknown previous state', [1, 0, 0, 0, 5]],
  ])('refuses a reply that is %s', (_what, raw) => {
    expect(() => parseBreakerReply('acquire', raw, ACQUIRE_CODES)).toThrow(
      UnexpectedScriptResultError,
    );
  });
});

describe('decodeStateChange', () => {
  const valid = { name: 'db', from: 'closed', to: 'open', gen: 3, origin: 'abc' };

  it('reads a published transition', () => {
    expect(decodeStateChange(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    ['not JSON', 'nope'],
    ['JSON but not an object', '[1]'],
    ['without a name', JSON.stringify({ ...valid, name: 1 })],
    ['without an origin', JSON.stringify({ ...valid, origin: undefined })],
    ['with a generation that is not a number', JSON.stringify({ ...valid, gen: '3' })],
    [
      'with a generation that is not finite',
      '{"name":"db","from":"closed","to":"open","gen":1e999,"origin":"a"}',
    ],
    ['with an unknown from state', JSON.stringify({ ...valid, from: 'ajar' })],
    ['with a from state that is not a string', JSON.stringify({ ...valid, from: 1 })],
    ['with an unknown to state', JSON.stringify({ ...valid, to: 'ajar' })],
    ['with a to state that is not a string', JSON.stringify({ ...valid, to: null })],
  ])('ignores a message %s', (_what, text) => {
    expect(decodeStateChange(text)).toBeNull();
  });
});
