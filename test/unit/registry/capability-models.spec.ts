import { ConfigurationError, ValidationError } from '../../../lib/errors';
import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import {
  AgentCapabilitySet,
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
} from '../../../lib/registry/models/capability.models';
import { resolveDiscoveryRequest } from '../../../lib/registry/models/discovery.dto';
import { type CapabilityDiscoveryRequest } from '../../../lib/registry/models/discovery.models';
import { resolveRegistryOptions } from '../../../lib/registry/registry.options';
import { readCanonicalSet } from '../../../lib/registry/models/stored-capability';
import { population } from './fixtures';
import { errorOf } from '../../support/errors';

const owner = { type: 'writer', instance: 'a' };
const capability = { name: 'draft_text', type: 'generation', version: '1.2.3' };

const failure = (fn: () => unknown) => errorOf(ValidationError, fn);

describe('toCapabilitySet', () => {
  it('fills every default when only name, type and version are given', () => {
    const set = toCapabilitySet({ capabilities: [capability] }, owner);
    expect(set).toBeInstanceOf(AgentCapabilitySet);
    expect(set.agentId).toEqual({ type: 'writer', instance: 'a' });
    expect(set).toMatchObject({ version: '1.0.0', priority: 5, loadFactor: 0, availability: true });
    expect(set.capabilities[0]).toEqual({
      ...capability,
      description: '',
      scope: CapabilityScope.SESSION,
      status: CapabilityStatus.ACTIVE,
      requiredInputs: [],
      optionalInputs: [],
      outputSchema: {},
      resourceRequirements: {},
      compatibleVersions: [],
      dependencies: [],
      tags: [],
      metadata: {},
    });
  });

  it('accepts lastUpdated as a Date or an ISO string and serialises it as ISO', () => {
    const iso = '2024-05-01T10:00:00.000Z';
    expect(toCapabilitySet({ capabilities: [], lastUpdated: iso }, owner).lastUpdated).toEqual(
      new Date(iso),
    );
    const fromDate = toCapabilitySet({ capabilities: [], lastUpdated: new Date(iso) }, owner);
    expect(fromDate.toJSON().lastUpdated).toBe(iso);
    expect(
      failure(() => toCapabilitySet({ capabilities: [], lastUpdated: 'yesterday' }, owner)),
    ).toMatchObject({
      field: 'capabilitySet.lastUpdated',
      rule: 'isDateOrIsoString',
    });
  });

  it('round-trips through its JSON form', () => {
    const set = toCapabilitySet(
      { capabilities: [{ ...capability, tags: ['a', 'a', 'b'] }], priority: 8 },
      owner,
    );
    const again = toCapabilitySet(
      JSON.parse(JSON.stringify(set)) as Record<string, unknown>,
      owner,
    );
    expect(again.toJSON()).toEqual(set.toJSON());
    expect(again.capabilities[0].tags).toEqual(['a', 'b']);
  });

  it('offers lookup helpers', () => {
    const set = toCapabilitySet(
      {
        capabilities: [
          capability,
          { name: 'store_blob', type: 'storage', version: '0.1.0', status: 'experimental' },
        ],
      },
      owner,
    );
    expect(set.getCapability('store_blob')?.version).toBe('0.1.0');
    expect(set.hasCapability('missing')).toBe(false);
    expect(set.byType(CapabilityType.STORAGE).map((c) => c.name)).toEqual(['store_blob']);
    expect(set.active().map((c) => c.name)).toEqual(['draft_text']);
  });

  it.each([
    [{ ...capability, name: 'Draft' }, 'capabilitySet.capabilities.0.name', 'matches'],
    [{ ...capability, name: '9lives' }, 'capabilitySet.capabilities.0.name', 'matches'],
    [{ ...capability, version: '1.2' }, 'capabilitySet.capabilities.0.version', 'isSemver'],
    [{ ...capability, version: 'v1.2.3' }, 'capabilitySet.capabilities.0.version', 'isSemver'],
    [{ ...capability, type: 'magic' }, 'capabilitySet.capabilities.0.type', 'isEnum'],
    [{ name: 'x', version: '1.0.0' }, 'capabilitySet.capabilities.0.type', 'isDefined'],
    [
      { ...capability, compatibleVersions: ['not a range'] },
      'capabilitySet.capabilities.0.compatibleVersions',
      'isSemverRange',
    ],
    [
      { ...capability, estimatedDurationMs: -1 },
      'capabilitySet.capabilities.0.estimatedDurationMs',
      'min',
    ],
    [
      { ...capability, colour: 'red' },
      'capabilitySet.capabilities.0.colour',
      'whitelistValidation',
    ],
  ])('refuses capability %j naming %s (%s)', (bad, field, rule) => {
    expect(failure(() => toCapabilitySet({ capabilities: [bad] }, owner))).toMatchObject({
      field,
      rule,
    });
  });

  it.each([
    [{ priority: 11 }, 'capabilitySet.priority', 'max'],
    [{ priority: 2.5 }, 'capabilitySet.priority', 'isInt'],
    [{ loadFactor: 1.5 }, 'capabilitySet.loadFactor', 'max'],
    [{ version: 'latest' }, 'capabilitySet.version', 'isSemver'],
    [{ agentId: { type: 'bad id' } }, 'capabilitySet.agentId.type', 'matches'],
  ])('refuses set fields %j naming %s', (bad, field, rule) => {
    expect(failure(() => toCapabilitySet({ capabilities: [], ...bad }, owner))).toMatchObject({
      field,
      rule,
    });
  });

  it('refuses duplicate names and a set that names another agent', () => {
    expect(
      failure(() => toCapabilitySet({ capabilities: [capability, capability] }, owner)),
    ).toMatchObject({
      field: 'capabilitySet.capabilities.1.name',
      rule: 'unique',
    });
    expect(
      failure(() => toCapabilitySet({ agentId: { type: 'other' }, capabilities: [] }, owner)),
    ).toMatchObject({ field: 'capabilitySet.agentId', rule: 'sameAgent' });
  });
});

describe('resolveDiscoveryRequest', () => {
  it('fills defaults: weighted order, 10 results, available agents loaded at most 0.8', () => {
    expect(resolveDiscoveryRequest({ criteria: {} })).toEqual({
      criteria: { requireAvailable: true, maxLoadFactor: 0.8 },
      maxResults: 10,
      includeDegraded: false,
      sortBy: 'matchScore',
      sortDescending: true,
    });
    expect(resolveDiscoveryRequest({ criteria: {}, sortBy: 'agentLoad' }).sortDescending).toBe(
      false,
    );
  });

  it.each<[CapabilityDiscoveryRequest, string, string]>([
    [{ criteria: { minVersion: '1.x' } }, 'request.criteria.minVersion', 'isSemver'],
    [
      { criteria: { minVersion: '2.0.0', maxVersion: '1.0.0' } },
      'request.criteria.maxVersion',
      'range',
    ],
    [{ criteria: { maxLoadFactor: 2 } }, 'request.criteria.maxLoadFactor', 'max'],
    [{ criteria: {}, maxResults: 0 }, 'request.maxResults', 'min'],
    [{ criteria: {}, sortBy: 'name' as never }, 'request.sortBy', 'isIn'],
    [{ criteria: {}, strategy: 'semantic' as never }, 'request.strategy', 'isEnum'],
  ])('refuses %j naming %s', (request, field, rule) => {
    expect(failure(() => resolveDiscoveryRequest(request))).toMatchObject({ field, rule });
  });
});

describe('resolveRegistryOptions', () => {
  it('defaults the interval to a third of the TTL', () => {
    expect(resolveRegistryOptions()).toMatchObject({
      keyPrefix: 'ao',
      heartbeatTtlMs: 30_000,
      heartbeatIntervalMs: 10_000,
      autoHeartbeat: true,
      matchingStrategy: 'weighted',
    });
  });

  it('keeps a defaulted interval at 1 000 ms or more, and refuses one that could not keep up', () => {
    expect(resolveRegistryOptions({ heartbeatTtlMs: 2_400 }).heartbeatIntervalMs).toBe(1_000);
    const error = failure(() => resolveRegistryOptions({ heartbeatTtlMs: 1_500 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.field).toBe('heartbeatIntervalMs');
  });

  it('honours any explicit interval below the TTL', () => {
    expect(
      resolveRegistryOptions({ heartbeatTtlMs: 300, heartbeatIntervalMs: 50 }).heartbeatIntervalMs,
    ).toBe(50);
    expect(
      failure(() => resolveRegistryOptions({ heartbeatTtlMs: 300, heartbeatIntervalMs: 300 })),
    ).toMatchObject({ field: 'heartbeatIntervalMs', rule: 'range' });
  });

  it('refuses bad prefixes, strategies and weights', () => {
    expect(failure(() => resolveRegistryOptions({ keyPrefix: 'a b' })).field).toBe('keyPrefix');
    expect(failure(() => resolveRegistryOptions({ matchingStrategy: 'x' as never })).field).toBe(
      'matchingStrategy',
    );
    expect(failure(() => resolveRegistryOptions({ matchWeights: { name: 2 } })).field).toBe(
      'matchWeights.name',
    );
  });
});

describe('readCanonicalSet (fast path for stored sets)', () => {
  const stored = (set: AgentCapabilitySet) =>
    JSON.parse(JSON.stringify(set)) as Record<string, unknown>;

  it('reads what toCapabilitySet wrote into an equal set', () => {
    for (const set of population()) {
      const id = set.agentId;
      expect(readCanonicalSet(stored(set), id)?.toJSON()).toEqual(set.toJSON());
    }
  });

  it.each<[string, (value: Record<string, unknown>) => void]>([
    ['a bad version', (v) => ((v.capabilities as Record<string, unknown>[])[0].version = 'one')],
    ['a bad name', (v) => ((v.capabilities as Record<string, unknown>[])[0].name = 'Bad')],
    ['an unknown field', (v) => (v.extra = 1)],
    ['a missing default', (v) => delete (v.capabilities as Record<string, unknown>[])[0].tags],
    ['a priority out of range', (v) => (v.priority = 0)],
    ['another agent id', (v) => (v.agentId = { type: 'x', instance: 'y' })],
  ])('declines %s, leaving it to full validation', (_, mutate) => {
    const [set] = population();
    const value = stored(set);
    mutate(value);
    expect(readCanonicalSet(value, set.agentId)).toBeNull();
  });
});
