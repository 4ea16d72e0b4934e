import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import { readCanonicalSet } from '../../../lib/registry/models/stored-capability';
import { ValidationError } from '../../../lib/errors';

/**
 * The fast path for stored sets accepts only what full validation (`toCapabilitySet`) accepts
 * and reads it into the same set; anything else it declines (returns null) and leaves to full
 * validation.
 */
const owner = { type: 'writer', instance: 'a' };

type Plain = Record<string, unknown>;

/** The stored form of a set with one capability that has every field filled. */
function canonical(): Plain {
  const set = toCapabilitySet(
    {
      capabilities: [
        {
          name: 'draft_text',
          type: 'generation',
          version: '1.2.3',
          description: 'drafts text',
          scope: 'global',
          status: 'experimental',
          requiredInputs: ['topic'],
          optionalInputs: ['length'],
          outputSchema: { type: 'string' },
          estimatedDurationMs: 250,
          resourceRequirements: { gpu: false },
          compatibleVersions: ['^1.0.0'],
          dependencies: ['outline'],
          tags: ['text'],
          metadata: { team: 'docs' },
        },
      ],
      version: '2.0.0',
      lastUpdated: '2026-01-02T03:04:05.000Z',
      priority: 7,
      loadFactor: 0.25,
      availability: false,
    },
    owner,
  );
  return JSON.parse(JSON.stringify(set)) as Plain;
}

const capabilityOf = (value: Plain): Plain => (value.capabilities as Plain[])[0];
const withCapability = (change: (c: Plain) => void) => (value: Plain) =>
  change(capabilityOf(value));
const names = (count: number) => Array.from({ length: count }, (_, i) => `n${i}`);

function fullValidationRefuses(value: Plain): boolean {
  try {
    toCapabilitySet(value, owner);
    return false;
  } catch (error) {
    if (error instanceof ValidationError) return true;
    throw error;
  }
}

describe('readCanonicalSet', () => {
  it('reads the canonical form into the set full validation makes', () => {
    const value = canonical();
    const read = readCanonicalSet(value, owner);
    expect(read?.toJSON()).toEqual(toCapabilitySet(canonical(), owner).toJSON());
    expect(read?.toJSON()).toEqual(value);
  });

  it.each<[string, (value: Plain) => void]>([
    ['a name of 128 characters', withCapability((c) => (c.name = `a${'b'.repeat(127)}`))],
    [
      'a description of 4 096 characters',
      withCapability((c) => (c.description = 'd'.repeat(4096))),
    ],
    ['an estimated duration of 0', withCapability((c) => (c.estimatedDurationMs = 0))],
    ['no estimated duration', withCapability((c) => delete c.estimatedDurationMs)],
    ['256 tags', withCapability((c) => (c.tags = names(256)))],
    ['priority 1', (v) => (v.priority = 1)],
    ['priority 10', (v) => (v.priority = 10)],
    ['load factor 0', (v) => (v.loadFactor = 0)],
    ['load factor 1', (v) => (v.loadFactor = 1)],
    ['no capabilities', (v) => (v.capabilities = [])],
    [
      '1 024 capabilities',
      (v) => (v.capabilities = names(1024).map((name) => ({ ...capabilityOf(v), name }))),
    ],
  ])('reads a set at the limits: %s', (_what, change) => {
    const value = canonical();
    change(value);
    const read = readCanonicalSet(value, owner);
    expect(read).not.toBeNull();
    expect(read?.toJSON()).toEqual(toCapabilitySet(value, owner).toJSON());
  });

  it.each<[string, (value: Plain) => void]>([
    ['a set that is not an object', (v) => (v.capabilities = 'x')],
    ['an unknown set field', (v) => (v.extra = 1)],
    ['another agent type', (v) => (v.agentId = { type: 'other', instance: 'a' })],
    ['another agent instance', (v) => (v.agentId = { type: 'writer', instance: 'b' })],
    ['capabilities that are not an array', (v) => (v.capabilities = { 0: capabilityOf(v) })],
    [
      '1 025 capabilities',
      (v) => (v.capabilities = names(1025).map((name) => ({ ...capabilityOf(v), name }))),
    ],
    [
      'a bad capability after a good one',
      (v) =>
        (v.capabilities = [capabilityOf(v), { ...capabilityOf(v), name: 'second', type: 'x' }]),
    ],
    [
      'two capabilities of one name',
      (v) => (v.capabilities = [capabilityOf(v), { ...capabilityOf(v) }]),
    ],
    ['a set version that is not semver', (v) => (v.version = 'v2.0.0')],
    ['a date that is not one', (v) => (v.lastUpdated = 'yesterday')],
    ['a priority that is a string', (v) => (v.priority = '5')],
    ['a fractional priority', (v) => (v.priority = 5.5)],
    ['priority 0', (v) => (v.priority = 0)],
    ['priority 11', (v) => (v.priority = 11)],
    ['a load factor that is a string', (v) => (v.loadFactor = '0.5')],
    ['a negative load factor', (v) => (v.loadFactor = -0.1)],
    ['a load factor above 1', (v) => (v.loadFactor = 1.1)],
    ['a load factor that is NaN', (v) => (v.loadFactor = NaN)],
    ['availability that is a string', (v) => (v.availability = 'true')],
    ['an unknown capability field', withCapability((c) => (c.extra = 1))],
    ['a name that is not a string', withCapability((c) => (c.name = 5))],
    ['a name of 129 characters', withCapability((c) => (c.name = `a${'b'.repeat(128)}`))],
    ['a name with capitals', withCapability((c) => (c.name = 'Draft'))],
    ['an unknown type', withCapability((c) => (c.type = 'magic'))],
    ['a version that is not semver', withCapability((c) => (c.version = 'v1.2.3'))],
    ['a description that is not a string', withCapability((c) => (c.description = 5))],
    [
      'a description of 4 097 characters',
      withCapability((c) => (c.description = 'd'.repeat(4097))),
    ],
    ['an unknown scope', withCapability((c) => (c.scope = 'world'))],
    ['an unknown status', withCapability((c) => (c.status = 'retired'))],
    ['required inputs that are not an array', withCapability((c) => (c.requiredInputs = 'topic'))],
    ['an optional input that is a number', withCapability((c) => (c.optionalInputs = ['a', 1]))],
    ['an output schema that is an array', withCapability((c) => (c.outputSchema = []))],
    ['a negative duration', withCapability((c) => (c.estimatedDurationMs = -1))],
    ['a duration that is a string', withCapability((c) => (c.estimatedDurationMs = '5'))],
    [
      'an invalid compatible range',
      withCapability((c) => (c.compatibleVersions = ['not a range'])),
    ],
    ['a dependency that is not a name', withCapability((c) => (c.dependencies = ['Outline']))],
    ['257 tags', withCapability((c) => (c.tags = names(257)))],
    ['metadata that is a string', withCapability((c) => (c.metadata = 'x'))],
  ])('declines what full validation refuses: %s', (_what, change) => {
    const value = canonical();
    change(value);
    expect(readCanonicalSet(value, owner)).toBeNull();
    expect(fullValidationRefuses(value)).toBe(true);
  });

  it.each<[string, (value: Plain) => void]>([
    ['a set without agent id', (v) => delete v.agentId],
    ['a capability without its tags', withCapability((c) => delete c.tags)],
    ['resource requirements that are null', withCapability((c) => (c.resourceRequirements = null))],
    ['repeated tags', withCapability((c) => (c.tags = ['text', 'text']))],
    ['repeated required inputs', withCapability((c) => (c.requiredInputs = ['a', 'a']))],
  ])('leaves valid input that is not canonical to full validation: %s', (_what, change) => {
    const value = canonical();
    change(value);
    expect(readCanonicalSet(value, owner)).toBeNull();
    expect(fullValidationRefuses(value)).toBe(false);
  });

  it('declines a value that is not an object, or an agent id that is not one', () => {
    for (const value of [null, 'set', [canonical()]]) {
      expect(readCanonicalSet(value, owner)).toBeNull();
    }
    const value = canonical();
    value.agentId = 'writer/a';
    expect(readCanonicalSet(value, owner)).toBeNull();
    const arrayCapability = canonical();
    arrayCapability.capabilities = [[]];
    expect(readCanonicalSet(arrayCapability, owner)).toBeNull();
  });
});
