import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { validateDto } from '../../../lib/common/validate';
import { ValidationError } from '../../../lib/errors';

class Leaf {
  @IsInt()
  @Min(1)
  size!: number;
}

class Branch {
  @IsString()
  name!: string;

  @ValidateNested({ each: true })
  @Type(() => Leaf)
  leaves!: Leaf[];
}

function failure(input: unknown): ValidationError {
  try {
    validateDto(Branch, input, 'branch');
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('expected a validation error');
}

describe('validateDto', () => {
  it('returns the typed instance of valid input', () => {
    const branch = validateDto(Branch, { name: 'b', leaves: [{ size: 2 }] }, 'branch');
    expect(branch).toBeInstanceOf(Branch);
    expect(branch.leaves[0]).toBeInstanceOf(Leaf);
  });

  it('names the path of a failure nested in arrays of objects', () => {
    const error = failure({ name: 'b', leaves: [{ size: 2 }, { size: 0 }] });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('branch.leaves.1.size');
    expect(error.message).toContain('min');
  });

  it('refuses unknown properties and non-objects', () => {
    expect(failure({ name: 'b', leaves: [], extra: 1 }).message).toContain('branch.extra');
    expect(failure([]).message).toContain('must be an object');
  });

  it('refuses null and primitives as the object itself', () => {
    for (const input of [null, undefined, 'text', 5, []]) {
      const error = failure(input);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'branch', rule: 'isObject' });
      expect(error.message).toBe('Invalid branch: must be an object (rule: isObject)');
    }
  });

  it('drops the property name from the start of the rule message', () => {
    expect(failure({ name: 'b', leaves: [{ size: 2 }, { size: 0 }] }).message).toBe(
      'Invalid branch.leaves.1.size: must not be less than 1 (rule: min)',
    );
    expect(failure({ name: 5, leaves: [] }).message).toBe(
      'Invalid branch.name: must be a string (rule: isString)',
    );
    expect(failure({ name: 'b', leaves: [], extra: 1 })).toMatchObject({
      field: 'branch.extra',
      rule: 'whitelistValidation',
      message: 'Invalid branch.extra: extra should not exist (rule: whitelistValidation)',
    });
  });
});
