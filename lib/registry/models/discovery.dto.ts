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

/**
 * Default of `maxLoadFactor`.
 *
 * @public
 */
export const DEFAULT_MAX_LOAD_FACTOR = 0.8;
/**
 * Default of `maxResults`.
 *
 * @public
 */
export const DEFAULT_MAX_RESULTS = 10;
const SORT_KEYS: DiscoverySortKey[] = ['matchScore', 'agentLoad', 'estimatedDuration'];

/** class-validator shape of {@link CapabilityMatchCriteria}. */
export class CapabilityMatchCriteriaDto {
  /** At most 128 characters. See {@link CapabilityMatchCriteria.capabilityName}. */
  @IsOptional() @IsString() @MaxLength(128) capabilityName?: string;
  /** See {@link CapabilityMatchCriteria.capabilityType}. */
  @IsOptional() @IsEnum(CapabilityType) capabilityType?: CapabilityType;

  /** At most 256. See {@link CapabilityMatchCriteria.requiredInputs}. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  requiredInputs?: string[];

  /** Semantic version. See {@link CapabilityMatchCriteria.minVersion}. */
  @IsOptional() @IsSemverVersion() minVersion?: string;
  /** Semantic version, not below `minVersion`. See {@link CapabilityMatchCriteria.maxVersion}. */
  @IsOptional() @IsSemverVersion() maxVersion?: string;
  /** Semantic version. See {@link CapabilityMatchCriteria.preferredVersion}. */
  @IsOptional() @IsSemverVersion() preferredVersion?: string;
  /** Milliseconds, at least 0. See {@link CapabilityMatchCriteria.maxDurationMs}. */
  @IsOptional() @IsNumber() @Min(0) maxDurationMs?: number;
  /** Default true. See {@link CapabilityMatchCriteria.requireAvailable}. */
  @IsOptional() @IsBoolean() requireAvailable?: boolean;
  /** 0–1. Default 0.8. See {@link CapabilityMatchCriteria.maxLoadFactor}. */
  @IsOptional() @IsNumber() @Min(0) @Max(1) maxLoadFactor?: number;

  /** At most 256. See {@link CapabilityMatchCriteria.requiredTags}. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  requiredTags?: string[];

  /** See {@link CapabilityMatchCriteria.metadataFilters}. */
  @IsOptional() @IsObject() metadataFilters?: Record<string, unknown>;
}

/** class-validator shape of {@link CapabilityDiscoveryRequest}. */
export class CapabilityDiscoveryRequestDto {
  /** Required. See {@link CapabilityDiscoveryRequest.criteria}. */
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CapabilityMatchCriteriaDto)
  criteria!: CapabilityMatchCriteriaDto;

  /** Integer 1–10 000. Default 10. */
  @IsOptional() @IsInt() @Min(1) @Max(10_000) maxResults?: number;
  /** Default false. See {@link CapabilityDiscoveryRequest.includeDegraded}. */
  @IsOptional() @IsBoolean() includeDegraded?: boolean;
  /** Default `matchScore`. */
  @IsOptional() @IsIn(SORT_KEYS) sortBy?: DiscoverySortKey;
  /** See {@link CapabilityDiscoveryRequest.sortDescending}. */
  @IsOptional() @IsBoolean() sortDescending?: boolean;
  /** See {@link CapabilityDiscoveryRequest.strategy}. */
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
