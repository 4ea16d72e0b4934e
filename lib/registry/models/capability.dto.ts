import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ValidationError } from '../../errors';
import { validateDto } from '../../common/validate';
import {
  AgentIdDto,
  resolveAgentId,
  sameAgent,
  formatAgentId,
  type AgentId,
} from '../../common/agent-id';
import {
  AgentCapabilitySet,
  CAPABILITY_NAME_PATTERN,
  CapabilityScope,
  CapabilityStatus,
  CapabilityType,
  type AgentCapability,
  type AgentCapabilitySetInput,
} from './capability.models';
import {
  IsDateOrIsoString,
  IsSemverRange,
  IsSemverVersion,
  parseDate,
} from './registry.validators';

const MAX_LIST = 256;

/** class-validator shape of an {@link AgentCapabilityInput}. */
export class AgentCapabilityDto {
  /** Required; at most 128 characters matching {@link CAPABILITY_NAME_PATTERN}. */
  @IsDefined()
  @IsString()
  @MaxLength(128)
  @Matches(CAPABILITY_NAME_PATTERN)
  name!: string;

  /** Required; see {@link AgentCapability.type}. */
  @IsDefined()
  @IsEnum(CapabilityType)
  type!: CapabilityType;

  /** Required semantic version, e.g. `1.4.0`. */
  @IsDefined()
  @IsSemverVersion()
  version!: string;

  /** At most 4 096 characters. Default `''`. */
  @IsOptional() @IsString() @MaxLength(4096) description?: string;
  /** Default `session`. */
  @IsOptional() @IsEnum(CapabilityScope) scope?: CapabilityScope;
  /** Default `active`. */
  @IsOptional() @IsEnum(CapabilityStatus) status?: CapabilityStatus;

  /** At most 256, duplicates dropped. Default `[]`. See {@link AgentCapability.requiredInputs}. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  requiredInputs?: string[];

  /** At most 256, duplicates dropped. Default `[]`. See {@link AgentCapability.optionalInputs}. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  optionalInputs?: string[];

  /** Default `{}`. See {@link AgentCapability.outputSchema}. */
  @IsOptional() @IsObject() outputSchema?: Record<string, unknown>;
  /** Typical run time in milliseconds, at least 0. Absent when unknown. */
  @IsOptional() @IsNumber() @Min(0) estimatedDurationMs?: number;
  /** Default `{}`. See {@link AgentCapability.resourceRequirements}. */
  @IsOptional() @IsObject() resourceRequirements?: Record<string, unknown>;

  /** At most 256 semver ranges; duplicates are dropped. Default `[]`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsSemverRange({ each: true })
  compatibleVersions?: string[];

  /** At most 256 capability names; duplicates are dropped. Default `[]`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @Matches(CAPABILITY_NAME_PATTERN, { each: true })
  dependencies?: string[];

  /** At most 256; duplicates are dropped. Default `[]`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  tags?: string[];

  /** Default `{}`. See {@link AgentCapability.metadata}. */
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

/** class-validator shape of an {@link AgentCapabilitySetInput}. */
export class AgentCapabilitySetDto {
  /** Must name the agent the set is registered for, when given. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  agentId?: AgentIdDto;

  /** Required; at most 1 024, with unique names. */
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(1024)
  // Nested validation alone would walk into an array element and find nothing wrong.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => AgentCapabilityDto)
  capabilities!: AgentCapabilityDto[];

  /** Semantic version of the set. Default `1.0.0`. */
  @IsOptional() @IsSemverVersion() version?: string;
  /** Date or ISO-8601 string. Default: now. */
  @IsOptional() @IsDateOrIsoString() lastUpdated?: Date | string;
  /** Integer 1–10. Default 5. */
  @IsOptional() @IsInt() @Min(1) @Max(10) priority?: number;
  /** 0 (idle) – 1 (saturated). Default 0. */
  @IsOptional() @IsNumber() @Min(0) @Max(1) loadFactor?: number;
  /** Whether the agent takes work now. Default true. */
  @IsOptional() @IsBoolean() availability?: boolean;
}

const unique = (values: string[] | undefined): string[] => [...new Set(values ?? [])];

function toCapability(dto: AgentCapabilityDto): AgentCapability {
  const capability: AgentCapability = {
    name: dto.name,
    type: dto.type,
    version: dto.version,
    description: dto.description ?? '',
    scope: dto.scope ?? CapabilityScope.SESSION,
    status: dto.status ?? CapabilityStatus.ACTIVE,
    requiredInputs: unique(dto.requiredInputs),
    optionalInputs: unique(dto.optionalInputs),
    outputSchema: dto.outputSchema ?? {},
    resourceRequirements: dto.resourceRequirements ?? {},
    compatibleVersions: unique(dto.compatibleVersions),
    dependencies: unique(dto.dependencies),
    tags: unique(dto.tags),
    metadata: dto.metadata ?? {},
  };
  if (dto.estimatedDurationMs !== undefined)
    capability.estimatedDurationMs = dto.estimatedDurationMs;
  return capability;
}

/**
 * Validates a capability set written by a caller (or read back from Redis) and fills in the
 * defaults. `agentId` is the agent the set belongs to; a set naming another agent is refused.
 *
 * @throws ValidationError naming the field and rule
 */
export function toCapabilitySet(
  input: AgentCapabilitySetInput | AgentCapabilitySet | Record<string, unknown>,
  agentId: AgentId,
  label = 'capabilitySet',
): AgentCapabilitySet {
  const plain = input instanceof AgentCapabilitySet ? input.toJSON() : input;
  const dto = validateDto(AgentCapabilitySetDto, plain, label);
  if (dto.agentId && !sameAgent(dto.agentId, agentId)) {
    throw new ValidationError(
      `${label}.agentId`,
      'sameAgent',
      `names ${formatAgentId(dto.agentId)}, not ${formatAgentId(agentId)}`,
    );
  }
  const seen = new Set<string>();
  dto.capabilities.forEach((capability, index) => {
    if (seen.has(capability.name)) {
      throw new ValidationError(
        `${label}.capabilities.${index}.name`,
        'unique',
        `duplicates the capability ${capability.name}`,
      );
    }
    seen.add(capability.name);
  });
  return new AgentCapabilitySet(
    resolveAgentId(agentId),
    dto.capabilities.map(toCapability),
    dto.version ?? '1.0.0',
    parseDate(dto.lastUpdated) ?? new Date(),
    dto.priority ?? 5,
    dto.loadFactor ?? 0,
    dto.availability ?? true,
  );
}
