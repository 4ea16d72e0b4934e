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
} from '../../messaging/models/agent-id';
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
  @IsDefined()
  @IsString()
  @MaxLength(128)
  @Matches(CAPABILITY_NAME_PATTERN)
  name!: string;

  @IsDefined()
  @IsEnum(CapabilityType)
  type!: CapabilityType;

  @IsDefined()
  @IsSemverVersion()
  version!: string;

  @IsOptional() @IsString() @MaxLength(4096) description?: string;
  @IsOptional() @IsEnum(CapabilityScope) scope?: CapabilityScope;
  @IsOptional() @IsEnum(CapabilityStatus) status?: CapabilityStatus;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  requiredInputs?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  optionalInputs?: string[];

  @IsOptional() @IsObject() outputSchema?: Record<string, unknown>;
  @IsOptional() @IsNumber() @Min(0) estimatedDurationMs?: number;
  @IsOptional() @IsObject() resourceRequirements?: Record<string, unknown>;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsSemverRange({ each: true })
  compatibleVersions?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @Matches(CAPABILITY_NAME_PATTERN, { each: true })
  dependencies?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  tags?: string[];

  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

/** class-validator shape of an {@link AgentCapabilitySetInput}. */
export class AgentCapabilitySetDto {
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentIdDto)
  agentId?: AgentIdDto;

  @IsDefined()
  @IsArray()
  @ArrayMaxSize(1024)
  @ValidateNested({ each: true })
  @Type(() => AgentCapabilityDto)
  capabilities!: AgentCapabilityDto[];

  @IsOptional() @IsSemverVersion() version?: string;
  @IsOptional() @IsDateOrIsoString() lastUpdated?: Date | string;
  @IsOptional() @IsInt() @Min(1) @Max(10) priority?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) loadFactor?: number;
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
