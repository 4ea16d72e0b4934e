import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import { parseDate } from '../../../lib/registry/models/registry.validators';
import { ValidationError } from '../../../lib/errors';
import { errorOf } from '../../support/errors';

const owner = { type: 'writer', instance: 'a' };
const capability = { name: 'draft_text', type: 'generation', version: '1.2.3' };

const refusal = (input: Record<string, unknown>) =>
  errorOf(ValidationError, () => toCapabilitySet(input, owner));

describe('registry validators', () => {
  it('explain a version that is not semver, whatever its type', () => {
    for (const version of ['1.2', 5]) {
      const error = refusal({ capabilities: [], version });
      expect(error).toMatchObject({ field: 'capabilitySet.version', rule: 'isSemver' });
      expect(error.message).toBe(
        'Invalid capabilitySet.version: must be a semantic version such as 1.2.3 (rule: isSemver)',
      );
    }
  });

  it('explain a range that is not one, whatever its type', () => {
    for (const range of ['not a range', 5]) {
      const error = refusal({ capabilities: [{ ...capability, compatibleVersions: [range] }] });
      expect(error).toMatchObject({
        field: 'capabilitySet.capabilities.0.compatibleVersions',
        rule: 'isSemverRange',
      });
      expect(error.message).toBe(
        'Invalid capabilitySet.capabilities.0.compatibleVersions: must be a semantic version ' +
          'range such as ^1.2.0 (rule: isSemverRange)',
      );
    }
  });

  it('explain a date that is not one', () => {
    for (const lastUpdated of ['yesterday', new Date('nonsense'), 1_700_000_000_000]) {
      const error = refusal({ capabilities: [], lastUpdated });
      expect(error.message).toBe(
        'Invalid capabilitySet.lastUpdated: must be a Date or an ISO-8601 date string ' +
          '(rule: isDateOrIsoString)',
      );
    }
  });
});

describe('parseDate', () => {
  it('reads ISO dates with or without time, seconds, fraction and zone', () => {
    for (const text of [
      '2026-01-02',
      '2026-01-02T03:04',
      '2026-01-02T03:04:05',
      '2026-01-02T03:04:05.678Z',
      '2026-01-02T03:04:05+01:00',
      '2026-01-02T03:04:05-0130',
    ]) {
      expect(parseDate(text)?.getTime()).toBe(new Date(text).getTime());
    }
  });

  it('refuses text that is only partly an ISO date', () => {
    for (const text of ['x2026-01-02', '2026-01-02x', '2026-1-2', '2026-01-02T03', '']) {
      expect(parseDate(text)).toBeNull();
    }
  });
});
