import {
  DEFAULT_INSTANCE,
  formatAgentId,
  parseAgentId,
  resolveAgentId,
  sameAgent,
} from '../../../lib/common/agent-id';

describe('agent ids', () => {
  it('resolve, format and parse back', () => {
    expect(resolveAgentId({ type: 'worker' })).toEqual({
      type: 'worker',
      instance: DEFAULT_INSTANCE,
    });
    expect(resolveAgentId({ type: 'worker', instance: 'w1' })).toEqual({
      type: 'worker',
      instance: 'w1',
    });
    expect(formatAgentId({ type: 'worker' })).toBe('worker/default');
    expect(parseAgentId('worker/w1')).toEqual({ type: 'worker', instance: 'w1' });
  });

  it.each(['worker', '/w1', 'worker/', 'a:b/c', 'a/b/c', `${'x'.repeat(65)}/y`])(
    'refuses %p',
    (text) => {
      expect(parseAgentId(text)).toBeNull();
    },
  );

  it('compares with the default instance filled in', () => {
    expect(sameAgent({ type: 'a' }, { type: 'a', instance: 'default' })).toBe(true);
    expect(sameAgent({ type: 'a', instance: 'x' }, { type: 'a' })).toBe(false);
    expect(sameAgent({ type: 'a' }, { type: 'b' })).toBe(false);
  });
});
