import { CapabilityStatus, CapabilityType } from '../../../lib/registry/models/capability.models';
import { MatchingStrategy } from '../../../lib/registry/models/discovery.models';
import { ranking, run, setOf } from './fixtures';

const gen = CapabilityType.GENERATION;

describe('matchCapabilities: edge cases', () => {
  it('never returns a disabled capability, even with includeDegraded', () => {
    const sets = [
      setOf('a', [
        { name: 'write', type: gen, version: '1.0.0', status: CapabilityStatus.DISABLED },
        { name: 'write_more', type: gen, version: '1.0.0', status: CapabilityStatus.EXPERIMENTAL },
      ]),
    ];
    const results = run(sets, { criteria: { capabilityName: 'write' }, includeDegraded: true });
    expect(ranking(results)).toEqual(['a:write_more']);
  });

  it('fuzzy matching without a name scores only the type and orders equal scores by name', () => {
    const sets = [
      setOf('b', [
        { name: 'gamma', type: gen, version: '1.0.0' },
        { name: 'alpha', type: gen, version: '1.0.0' },
        { name: 'beta', type: gen, version: '1.0.0' },
        { name: 'other', type: CapabilityType.ANALYSIS, version: '1.0.0' },
      ]),
    ];
    const results = run(sets, { criteria: { capabilityType: gen } }, MatchingStrategy.FUZZY);
    expect(ranking(results)).toEqual(['b:alpha', 'b:beta', 'b:gamma', 'b:other']);
    const [alpha, beta, gamma, other] = results.map((r) => r.matchScore);
    expect([beta, gamma]).toEqual([alpha, alpha]);
    expect(other).toBeLessThan(alpha);
  });

  it('sorts unknown durations last in both directions', () => {
    const sets = [
      setOf('c', [
        { name: 'none_1', type: gen, version: '1.0.0' },
        { name: 'slow', type: gen, version: '1.0.0', estimatedDurationMs: 900 },
        { name: 'none_2', type: gen, version: '1.0.0' },
        { name: 'fast', type: gen, version: '1.0.0', estimatedDurationMs: 100 },
      ]),
    ];
    const request = { criteria: { capabilityType: gen }, sortBy: 'estimatedDuration' } as const;
    expect(ranking(run(sets, request))).toEqual(['c:fast', 'c:slow', 'c:none_1', 'c:none_2']);
    expect(ranking(run(sets, { ...request, sortDescending: true }))).toEqual([
      'c:slow',
      'c:fast',
      'c:none_1',
      'c:none_2',
    ]);
  });

  it('keeps equal entries (the same set given twice) side by side', () => {
    const set = setOf('d', [
      { name: 'one', type: gen, version: '1.0.0' },
      { name: 'two', type: gen, version: '1.0.0' },
    ]);
    expect(ranking(run([set, set], { criteria: { capabilityType: gen } }))).toEqual([
      'd:one',
      'd:one',
      'd:two',
      'd:two',
    ]);
  });
});
