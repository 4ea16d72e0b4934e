import { countCapabilities } from '../../../lib/registry/capability-statistics';
import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';

describe('countCapabilities', () => {
  it('is all zero for no sets', () => {
    expect(countCapabilities([])).toEqual({
      capabilitySets: 0,
      totalCapabilities: 0,
      activeCapabilities: 0,
      capabilitiesByType: {},
      averageLoadFactor: 0,
    });
  });

  it('counts capabilities by status and type and averages the load of the sets', () => {
    const a = toCapabilitySet(
      {
        loadFactor: 0.2,
        capabilities: [
          { name: 'one', type: 'generation', version: '1.0.0' },
          { name: 'two', type: 'analysis', version: '1.0.0', status: 'deprecated' },
          { name: 'three', type: 'generation', version: '1.0.0', status: 'experimental' },
        ],
      },
      { type: 'a', instance: '1' },
    );
    const b = toCapabilitySet(
      { loadFactor: 0.6, capabilities: [{ name: 'four', type: 'storage', version: '1.0.0' }] },
      { type: 'b', instance: '1' },
    );
    const empty = toCapabilitySet({ loadFactor: 0.1, capabilities: [] }, { type: 'c' });
    const counts = countCapabilities([a, b, empty]);
    expect(counts).toEqual({
      capabilitySets: 3,
      totalCapabilities: 4,
      activeCapabilities: 2,
      capabilitiesByType: { generation: 2, analysis: 1, storage: 1 },
      averageLoadFactor: expect.closeTo(0.3, 10) as number,
    });
  });
});
