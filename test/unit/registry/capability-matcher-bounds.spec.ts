import { CapabilityType } from '../../../lib/registry/models/capability.models';
import { MatchingStrategy } from '../../../lib/registry/models/discovery.models';
import { ranking, run, setOf } from './fixtures';

const gen = CapabilityType.GENERATION;

describe('matchCapabilities: limits are inclusive', () => {
  it('keeps an agent loaded exactly at the maximum load factor', () => {
    const sets = [
      setOf('at', [{ name: 'write', type: gen, version: '1.0.0' }], { loadFactor: 0.5 }),
      setOf('above', [{ name: 'write', type: gen, version: '1.0.0' }], { loadFactor: 0.51 }),
    ];
    expect(
      ranking(run(sets, { criteria: { capabilityName: 'write', maxLoadFactor: 0.5 } })),
    ).toEqual(['at:write']);
  });

  it('keeps versions equal to the minimum or the maximum', () => {
    const sets = ['0.9.0', '1.0.0', '2.0.0', '2.0.1'].map((version, i) =>
      setOf(`v${i}`, [{ name: 'write', type: gen, version }]),
    );
    const results = run(sets, {
      criteria: { capabilityName: 'write', minVersion: '1.0.0', maxVersion: '2.0.0' },
    });
    expect(results.map((r) => r.capability.version).sort()).toEqual(['1.0.0', '2.0.0']);
  });

  it('counts a duration equal to the maximum as fast enough', () => {
    const sets = [
      setOf('a', [{ name: 'write', type: gen, version: '1.0.0', estimatedDurationMs: 100 }]),
    ];
    const [exact] = run(
      sets,
      { criteria: { capabilityName: 'write', maxDurationMs: 100 } },
      MatchingStrategy.EXACT,
    );
    expect(exact.performanceMatch).toBe(true);
    expect(run(sets, { criteria: { maxDurationMs: 99 } }, MatchingStrategy.EXACT)).toEqual([]);
  });
});

describe('matchCapabilities: filters', () => {
  const sets = [
    setOf('a', [
      {
        name: 'write',
        type: gen,
        version: '1.0.0',
        requiredInputs: ['topic'],
        tags: ['text'],
        metadata: { lang: { code: 'en' }, level: 2 },
      },
    ]),
  ];

  it('needs every required input and every required tag, not just one', () => {
    expect(run(sets, { criteria: { requiredInputs: ['topic'] } })).toHaveLength(1);
    expect(run(sets, { criteria: { requiredInputs: ['topic', 'length'] } })).toEqual([]);
    expect(run(sets, { criteria: { requiredTags: ['text'] } })).toHaveLength(1);
    expect(run(sets, { criteria: { requiredTags: ['text', 'fast'] } })).toEqual([]);
  });

  it('compares metadata filters by value, objects included', () => {
    expect(run(sets, { criteria: { metadataFilters: { lang: { code: 'en' } } } })).toHaveLength(1);
    expect(run(sets, { criteria: { metadataFilters: { level: 2 } } })).toHaveLength(1);
    expect(run(sets, { criteria: { metadataFilters: { lang: { code: 'fr' } } } })).toEqual([]);
    expect(run(sets, { criteria: { metadataFilters: { level: 3 } } })).toEqual([]);
  });
});

describe('matchCapabilities: exactMatch and order', () => {
  it('does not call a match of another type or a partial name exact', () => {
    const sets = [
      setOf('a', [{ name: 'write', type: CapabilityType.ANALYSIS, version: '1.0.0' }]),
      setOf('b', [{ name: 'write_text', type: gen, version: '1.0.0' }]),
      setOf('c', [{ name: 'write', type: gen, version: '1.0.0' }]),
    ];
    const fuzzy = run(
      sets,
      { criteria: { capabilityName: 'write', capabilityType: gen } },
      MatchingStrategy.FUZZY,
    );
    const exact = Object.fromEntries(fuzzy.map((r) => [r.agentId.type, r.exactMatch]));
    expect(exact).toEqual({ a: false, b: false, c: true });
  });

  it('sorts by score ascending when asked to', () => {
    const sets = [
      setOf('a', [{ name: 'write_text', type: gen, version: '1.0.0' }]),
      setOf('b', [{ name: 'write', type: gen, version: '1.0.0' }]),
    ];
    const request = { criteria: { capabilityName: 'write' }, sortBy: 'matchScore' as const };
    expect(ranking(run(sets, { ...request, sortDescending: false }))).toEqual([
      'a:write_text',
      'b:write',
    ]);
    expect(ranking(run(sets, request))).toEqual(['b:write', 'a:write_text']);
  });

  it('orders equal scores of one agent by capability name, whatever the stored order', () => {
    const caps = ['write_b', 'write_a', 'write_c'].map((name) => ({
      name,
      type: gen,
      version: '1.0.0',
    }));
    for (const order of [caps, [...caps].reverse()]) {
      expect(ranking(run([setOf('a', order)], { criteria: { capabilityName: 'write' } }))).toEqual([
        'a:write_a',
        'a:write_b',
        'a:write_c',
      ]);
    }
  });
});
