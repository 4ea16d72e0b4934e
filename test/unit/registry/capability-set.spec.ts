import { ValidationError } from '../../../lib/errors';
import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import { errorOf } from '../../support/errors';

const owner = { type: 'writer', instance: 'a' };
const capability = { name: 'draft_text', type: 'generation', version: '1.2.3' };

const failure = (fn: () => unknown) => errorOf(ValidationError, fn);

describe('toCapabilitySet', () => {
  it('leaves out an estimated duration that was not given, and keeps one that was', () => {
    const [without, withDuration] = toCapabilitySet(
      { capabilities: [capability, { ...capability, name: 'timed', estimatedDurationMs: 0 }] },
      owner,
    ).capabilities;
    expect(without).not.toHaveProperty('estimatedDurationMs');
    expect(withDuration.estimatedDurationMs).toBe(0);
  });

  it('names the duplicate capability and the other agent, under the label given', () => {
    const duplicate = failure(() =>
      toCapabilitySet({ capabilities: [capability, capability] }, owner, 'stored'),
    );
    expect(duplicate.message).toBe(
      'Invalid stored.capabilities.1.name: duplicates the capability draft_text (rule: unique)',
    );
    const other = failure(() =>
      toCapabilitySet({ agentId: { type: 'other' }, capabilities: [] }, owner),
    );
    expect(other.message).toBe(
      'Invalid capabilitySet.agentId: names other/default, not writer/a (rule: sameAgent)',
    );
  });

  it('refuses an array where a capability or the agent id belongs', () => {
    expect(failure(() => toCapabilitySet({ capabilities: [[]] }, owner)).field).toBe(
      'capabilitySet.capabilities',
    );
    expect(
      failure(() => toCapabilitySet({ capabilities: [capability, [capability]] }, owner)).field,
    ).toBe('capabilitySet.capabilities');
    expect(failure(() => toCapabilitySet({ agentId: [], capabilities: [] }, owner)).field).toBe(
      'capabilitySet.agentId',
    );
  });

  it('accepts a set that names its own agent, the default instance filled in', () => {
    const set = toCapabilitySet({ agentId: { type: 'solo' }, capabilities: [] }, { type: 'solo' });
    expect(set.agentId).toEqual({ type: 'solo', instance: 'default' });
    expect(set.agentKey).toBe('solo/default');
  });

  it('stamps a set given without date with the time it was built', () => {
    const before = Date.now();
    const set = toCapabilitySet({ capabilities: [] }, owner);
    expect(set.lastUpdated.getTime()).toBeGreaterThanOrEqual(before);
    expect(set.lastUpdated.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('AgentCapabilitySet', () => {
  it('finds capabilities by name', () => {
    const set = toCapabilitySet({ capabilities: [capability] }, owner);
    expect(set.hasCapability('draft_text')).toBe(true);
    expect(set.getCapability('draft_text')).toBe(set.capabilities[0]);
    expect(set.hasCapability('draft')).toBe(false);
  });

  it('gives a JSON form that shares nothing with the set', () => {
    const set = toCapabilitySet({ capabilities: [{ ...capability, tags: ['a'] }] }, owner);
    const json = set.toJSON();
    expect(json.agentId).toEqual(set.agentId);
    expect(json.agentId).not.toBe(set.agentId);
    expect(json.capabilities[0]).toEqual(set.capabilities[0]);
    expect(json.capabilities[0]).not.toBe(set.capabilities[0]);
  });
});
