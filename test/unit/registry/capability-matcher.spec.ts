import { matchCapabilities } from '../../../lib/registry/capability-matcher';
import { resolveDiscoveryRequest } from '../../../lib/registry/models/discovery.dto';
import {
  MatchingStrategy,
  type CapabilityDiscoveryRequest,
  type CapabilityMatchResult,
  type MatchWeights,
} from '../../../lib/registry/models/discovery.models';
import { population } from './fixtures';

function run(
  strategy: MatchingStrategy,
  request: CapabilityDiscoveryRequest,
  weights?: MatchWeights,
): CapabilityMatchResult[] {
  return matchCapabilities(population(), resolveDiscoveryRequest(request), { strategy, weights });
}

/** `type:capability` of each result, in order. */
const ranking = (results: CapabilityMatchResult[]): string[] =>
  results.map((r) => `${r.agentId.type}:${r.capability.name}`);
const scores = (results: CapabilityMatchResult[]): number[] =>
  results.map((r) => Math.round(r.matchScore * 1000) / 1000);

const summarize = { capabilityName: 'summarize', capabilityType: 'generation' as const };

describe('weighted strategy', () => {
  it('ranks full names above partial ones and breaks ties by agent id', () => {
    const results = run(MatchingStrategy.WEIGHTED, { criteria: summarize });
    expect(ranking(results)).toEqual([
      'alpha:summarize',
      'beta:summarize',
      'eta:summarize',
      'beta:text_summarize',
    ]);
    expect(scores(results)).toEqual([0.96, 0.96, 0.96, 0.84]);
  });

  it('raises the preferred version to the top without filtering others', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, preferredVersion: '2.1.0' },
    });
    expect(ranking(results)).toEqual([
      'beta:summarize',
      'alpha:summarize',
      'eta:summarize',
      'beta:text_summarize',
    ]);
    expect(scores(results)).toEqual([1, 0.96, 0.96, 0.84]);
    expect(results.map((r) => r.exactMatch)).toEqual([true, false, false, false]);
    expect(results[1].versionMatch).toBe(false);
  });

  it('scores slow capabilities lower instead of dropping them', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, maxDurationMs: 1000 },
    });
    expect(ranking(results)).toEqual([
      'beta:summarize',
      'eta:summarize',
      'alpha:summarize',
      'beta:text_summarize',
    ]);
    expect(scores(results)[2]).toBe(0.91);
    expect(results[2].performanceMatch).toBe(false);
  });

  it('clamps scores to 1 whatever the weights', () => {
    const results = run(
      MatchingStrategy.WEIGHTED,
      { criteria: summarize },
      { name: 1, type: 1, version: 1, performance: 1 },
    );
    expect(Math.max(...results.map((r) => r.matchScore))).toBe(1);
    expect(results.every((r) => r.matchScore >= 0 && r.matchScore <= 1)).toBe(true);
  });

  it('drops capabilities of another type', () => {
    expect(run(MatchingStrategy.WEIGHTED, { criteria: { capabilityType: 'storage' } })).toEqual([]);
  });
});

describe('exact strategy', () => {
  it('filters by version range in semver order (10.0.0 is above 2.0.0)', () => {
    const results = run(MatchingStrategy.EXACT, {
      criteria: { capabilityName: 'summarize', minVersion: '2.0.0' },
    });
    expect(ranking(results)).toEqual(['beta:summarize', 'eta:summarize']);
    expect(scores(results)).toEqual([1, 1]);
  });

  it('excludes versions above maxVersion', () => {
    const results = run(MatchingStrategy.EXACT, {
      criteria: { capabilityName: 'summarize', maxVersion: '1.9.9' },
    });
    expect(ranking(results)).toEqual(['alpha:summarize']);
  });

  it('requires every requested input to be accepted', () => {
    const results = run(MatchingStrategy.EXACT, {
      criteria: { capabilityName: 'summarize', requiredInputs: ['text', 'max_words'] },
    });
    expect(ranking(results)).toEqual(['alpha:summarize']);
  });

  it('needs the exact name: a partial name is no match', () => {
    expect(ranking(run(MatchingStrategy.EXACT, { criteria: { capabilityName: 'summ' } }))).toEqual(
      [],
    );
  });
});

describe('priority strategy', () => {
  it('ranks by priority × spare capacity', () => {
    const results = run(MatchingStrategy.PRIORITY, { criteria: { capabilityName: 'summarize' } });
    expect(ranking(results)).toEqual([
      'alpha:summarize',
      'beta:summarize',
      'beta:text_summarize',
      'eta:summarize',
    ]);
    expect(scores(results)).toEqual([0.54, 0.45, 0.45, 0.35]);
  });
});

describe('fuzzy strategy', () => {
  it('tolerates spelling variants and ranks by similarity', () => {
    const results = run(MatchingStrategy.FUZZY, { criteria: { capabilityName: 'summarise' } });
    expect(ranking(results)).toEqual([
      'eps:summarise',
      'alpha:summarize',
      'beta:summarize',
      'eta:summarize',
      'beta:text_summarize',
    ]);
    expect(scores(results)).toEqual([1, 0.825, 0.825, 0.825, 0.7]);
  });

  it('counts a type mismatch against the score and drops what falls below the threshold', () => {
    const results = run(MatchingStrategy.FUZZY, {
      criteria: { capabilityName: 'summarise', capabilityType: 'analysis' },
    });
    expect(ranking(results)).toEqual([
      'eps:summarise',
      'alpha:summarize',
      'beta:summarize',
      'eta:summarize',
    ]);
    expect(scores(results)).toEqual([0.7, 0.525, 0.525, 0.525]);
  });
});

describe('filters shared by every strategy', () => {
  it.each(Object.values(MatchingStrategy))('%s: no capability sets, no matches', (strategy) => {
    const request = resolveDiscoveryRequest({ criteria: summarize });
    expect(matchCapabilities([], request, { strategy })).toEqual([]);
  });

  it.each(Object.values(MatchingStrategy))(
    '%s: skips unavailable and overloaded agents and degraded capabilities',
    (strategy) => {
      const agents = run(strategy, { criteria: { capabilityName: 'summarize' } }).map(
        (r) => r.agentId.type,
      );
      expect(agents).not.toContain('gamma');
      expect(agents).not.toContain('delta');
      expect(agents).not.toContain('zeta');
    },
  );

  it('includes unavailable and loaded agents when the criteria allow them', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, requireAvailable: false, maxLoadFactor: 1 },
    });
    expect(ranking(results)).toEqual([
      'alpha:summarize',
      'beta:summarize',
      'delta:summarize',
      'eta:summarize',
      'gamma:summarize',
      'beta:text_summarize',
    ]);
  });

  it('includes degraded capabilities below equal active ones when asked', () => {
    const results = run(MatchingStrategy.WEIGHTED, { criteria: summarize, includeDegraded: true });
    expect(ranking(results)).toEqual([
      'alpha:summarize',
      'beta:summarize',
      'eta:summarize',
      'zeta:summarize',
      'beta:text_summarize',
    ]);
    expect(scores(results)[3]).toBe(0.864);
  });

  it('requires every tag and every metadata filter', () => {
    const fast = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, requiredTags: ['fast'] },
    });
    expect(ranking(fast)).toEqual(['beta:summarize']);
    const nlp = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, requiredTags: ['nlp'] },
    });
    expect(ranking(nlp)).toEqual(['alpha:summarize', 'beta:summarize']);
    const en = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, metadataFilters: { lang: 'en' } },
    });
    expect(ranking(en)).toEqual(['beta:summarize']);
    const fr = run(MatchingStrategy.WEIGHTED, {
      criteria: { ...summarize, metadataFilters: { lang: 'fr' } },
    });
    expect(fr).toEqual([]);
  });
});

describe('sorting and truncation', () => {
  it('sorts by load, least loaded first by default, ties by score', () => {
    const results = run(MatchingStrategy.WEIGHTED, { criteria: summarize, sortBy: 'agentLoad' });
    expect(ranking(results)).toEqual([
      'beta:summarize',
      'beta:text_summarize',
      'eta:summarize',
      'alpha:summarize',
    ]);
  });

  it('honours an explicit direction', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: summarize,
      sortBy: 'agentLoad',
      sortDescending: true,
    });
    expect(ranking(results)[0]).toBe('alpha:summarize');
  });

  it('sorts by estimated duration with unknown durations last', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: summarize,
      sortBy: 'estimatedDuration',
    });
    expect(ranking(results)).toEqual([
      'beta:summarize',
      'alpha:summarize',
      'eta:summarize',
      'beta:text_summarize',
    ]);
  });

  it('applies maxResults after sorting, not before', () => {
    const results = run(MatchingStrategy.WEIGHTED, {
      criteria: summarize,
      sortBy: 'agentLoad',
      maxResults: 2,
    });
    expect(ranking(results)).toEqual(['beta:summarize', 'beta:text_summarize']);
  });

  it('gives the same order whatever the input order', () => {
    const request = resolveDiscoveryRequest({ criteria: summarize });
    const forward = matchCapabilities(population(), request, { strategy: MatchingStrategy.FUZZY });
    const backward = matchCapabilities(population().reverse(), request, {
      strategy: MatchingStrategy.FUZZY,
    });
    expect(ranking(backward)).toEqual(ranking(forward));
  });
});
