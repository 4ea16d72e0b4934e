import { ValidateBy, type ValidationOptions } from 'class-validator';
import { valid, validRange } from 'semver';

/** A semantic version such as `1.2.3` or `2.0.0-beta.1` (checked with the `semver` package). */
export function IsSemverVersion(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSemver',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && valid(value) === value,
        defaultMessage: () => '$property must be a semantic version such as 1.2.3',
      },
    },
    options,
  );
}

/** A semver range such as `^1.2.0` or `>=1 <3`. */
export function IsSemverRange(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSemverRange',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && validRange(value) !== null,
        defaultMessage: () => '$property must be a semantic version range such as ^1.2.0',
      },
    },
    options,
  );
}

/** A valid `Date` or an ISO-8601 date string. */
export function IsDateOrIsoString(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateOrIsoString',
      validator: {
        validate: (value: unknown) => parseDate(value) !== null,
        defaultMessage: () => '$property must be a Date or an ISO-8601 date string',
      },
    },
    options,
  );
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The date named by a `Date` or ISO-8601 string, or `null`. */
export function parseDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
