import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsEnum,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { AgentIdDto, type AgentId } from './agent-id';
import { MessagePriority, MessageType } from './message.enums';

/** Topic and tags a message carries for routing and filtering. */
export interface RoutingKey {
  topic?: string;
  tags: string[];
}

/** Message ids: 6–128 characters of `[A-Za-z0-9_.:-]`. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_.:-]{6,128}$/;

/** A JSON object payload. */
export type JsonObject = Record<string, unknown>;

/** A message between agents, as sent and as received. */
export interface AgentMessage<P extends JsonObject = JsonObject> {
  /** Unique per sender; the identity used for de-duplication. At least 6 characters. */
  messageId: string;
  sender: AgentId;
  recipient: AgentId;
  messageType: MessageType;
  /** A JSON object. */
  payload: P;
  /** Defaults to {@link MessagePriority.NORMAL}. */
  priority?: MessagePriority;
  /** Defaults to `{ tags: [] }`. */
  routing?: RoutingKey;
  /** ISO-8601; set on send when absent. */
  timestamp?: string;
  correlationId?: string;
  /** Where a RESPONSE to this message goes. */
  replyTo?: AgentId;
}

/** class-validator shape of a {@link RoutingKey}. */
export class RoutingKeyDto implements RoutingKey {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  topic?: string;

  // class-validator reports the constraint declared last first: the shape check goes last.
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @IsArray()
  tags!: string[];
}

/** class-validator shape of an {@link AgentMessage}. The payload is checked separately. */
export class AgentMessageDto {
  @IsDefined()
  @IsString()
  @Matches(MESSAGE_ID_PATTERN)
  messageId!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  sender!: AgentIdDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  recipient!: AgentIdDto;

  @IsDefined()
  @IsEnum(MessageType)
  messageType!: MessageType;

  @IsDefined()
  @IsObject()
  payload!: JsonObject;

  @IsOptional()
  @IsIn([MessagePriority.LOW, MessagePriority.NORMAL, MessagePriority.HIGH])
  priority?: MessagePriority;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RoutingKeyDto)
  routing?: RoutingKeyDto;

  @IsOptional()
  @IsISO8601({ strict: true })
  timestamp?: string;

  @IsOptional()
  @IsString()
  @Matches(MESSAGE_ID_PATTERN)
  correlationId?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  replyTo?: AgentIdDto;
}
