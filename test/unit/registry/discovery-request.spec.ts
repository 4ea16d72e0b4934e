import { ValidationError } from '../../../lib/errors';
import { resolveDiscoveryRequest } from '../../../lib/registry/models/discovery.dto';
import {
  MatchingStrategy,
  type CapabilityDiscoveryRequest,
} from '../../../lib/registry/models/discovery.models';
import { errorOf } from '../../support/errors';

describe('resolveDiscoveryRequest', () => {
  it('keeps every value given instead of its default', () => {
    const given: CapabilityDiscoveryRequest = {
      criteria: {
        capabilityName: 'summarize',
        minVersion: '1.0.0',
        maxVersion: '1.0.0',
        requireAvailable: false,
        maxLoadFactor: 0.5,
        requiredTags: ['nlp'],
      },
      maxResults: 3,
      includeDegraded: true,
      sortBy: 'matchScore',
      sortDescending: false,
      strategy: MatchingStrategy.FUZZY,
    };
    const resolved = resolveDiscoveryRequest(given);
    expect(resolved).toEqual(given);
    expect(resolved.criteria).not.toBe(given.criteria);
  });

  it('sorts by the other keys ascending unless told otherwise', () => {
    const byDuration = resolveDiscoveryRequest({ criteria: {}, sortBy: 'estimatedDuration' });
    expect(byDuration).toMatchObject({ sortBy: 'estimatedDuration', sortDescending: false });
    expect(byDuration).not.toHaveProperty('strategy');
    expect(
      resolveDiscoveryRequest({ criteria: {}, sortBy: 'agentLoad', sortDescending: true })
        .sortDescending,
    ).toBe(true);
  });

  it('accepts a version bound on one side only, and names an inverted range', () => {
    expect(resolveDiscoveryRequest({ criteria: { minVersion: '2.0.0' } }).criteria).toMatchObject({
      minVersion: '2.0.0',
    });
    expect(resolveDiscoveryRequest({ criteria: { maxVersion: '0.1.0' } }).criteria).toMatchObject({
      maxVersion: '0.1.0',
    });
    const error = errorOf(ValidationError, () =>
      resolveDiscoveryRequest({ criteria: { minVersion: '1.10.0', maxVersion: '1.9.0' } }),
    );
    expect(error.message).toBe(
      'Invalid request.criteria.maxVersion: 1.9.0 is below minVersion 1.10.0 (rule: range)',
    );
  });

  it('refuses an array as the criteria', () => {
    const error = errorOf(ValidationError, () =>
      resolveDiscoveryRequest({ criteria: [] as never }),
    );
    expect(error.field).toBe('request.criteria');
  });
});
