import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { lt } from 'semver';
import { ValidationError } from '../../errors';
import { validateDto } from '../../common/validate';
import { stripUndefined } from '../../common/objects';
import { CapabilityType } from './capability.models';
import {
  MatchingStrategy,
  type CapabilityDiscoveryRequest,
  type DiscoverySortKey,
  type ResolvedDiscoveryRequest,
} from './discovery.models';
import { IsSemverVersion } from './registry.validators';

/** Default of `maxLoadFactor`. */
export const DEFAULT_MAX_LOAD_FACTOR = 0.8;
/** Default of `maxResults`. */
export const DEFAULT_MAX_RESULTS = 10;
const SORT_KEYS: DiscoverySortKey[] = ['matchScore', 'agentLoad', 'estimatedDuration'];

/** class-validator shape of {@link CapabilityMatchCriteria}. */
export class CapabilityMatchCriteriaDto {
  @IsOptional() @IsString() @MaxLength(128) capabilityName?: string;
  @IsOptional() @IsEnum(CapabilityType) capabilityType?: CapabilityType;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  requiredInputs?: string[];

  @IsOptional() @IsSemverVersion() minVersion?: string;
  @IsOptional() @IsSemverVersion() maxVersion?: string;
  @IsOptional() @IsSemverVersion() preferredVersion?: string;
  @IsOptional() @IsNumber() @Min(0) maxDurationMs?: number;
  @IsOptional() @IsBoolean() requireAvailable?: boolean;
  @IsOptional() @IsNumber() @Min(0) @Max(1) maxLoadFactor?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  requiredTags?: string[];

  @IsOptional() @IsObject() metadataFilters?: Record<string, unknown>;
}

/** class-validator shape of {@link CapabilityDiscoveryRequest}. */
export class CapabilityDiscoveryRequestDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => CapabilityMatchCriteriaDto)
  criteria!: CapabilityMatchCriteriaDto;

  @IsOptional() @IsInt() @Min(1) @Max(10_000) maxResults?: number;
  @IsOptional() @IsBoolean() includeDegraded?: boolean;
  @IsOptional() @IsIn(SORT_KEYS) sortBy?: DiscoverySortKey;
  @IsOptional() @IsBoolean() sortDescending?: boolean;
  @IsOptional() @IsEnum(MatchingStrategy) strategy?: MatchingStrategy;
}

/**
 * Validates a discovery request and fills in its defaults.
 *
 * @throws ValidationError naming the field and rule
 */
export function resolveDiscoveryRequest(
  input: CapabilityDiscoveryRequest,
): ResolvedDiscoveryRequest {
  const dto = validateDto(CapabilityDiscoveryRequestDto, input, 'request');
  const criteria = stripUndefined(dto.criteria) as CapabilityMatchCriteriaDto;
  if (criteria.minVersion && criteria.maxVersion && lt(criteria.maxVersion, criteria.minVersion)) {
    throw new ValidationError(
      'request.criteria.maxVersion',
      'range',
      `${criteria.maxVersion} is below minVersion ${criteria.minVersion}`,
    );
  }
  const sortBy = dto.sortBy ?? 'matchScore';
  const resolved: ResolvedDiscoveryRequest = {
    criteria: {
      ...criteria,
      requireAvailable: criteria.requireAvailable ?? true,
      maxLoadFactor: criteria.maxLoadFactor ?? DEFAULT_MAX_LOAD_FACTOR,
    },
    maxResults: dto.maxResults ?? DEFAULT_MAX_RESULTS,
    includeDegraded: dto.includeDegraded ?? false,
    sortBy,
    sortDescending: dto.sortDescending ?? sortBy === 'matchScore',
  };
  if (dto.strategy) resolved.strategy = dto.strategy;
  return resolved;
}
