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
import { AgentIdDto, type AgentId } from '../../common/agent-id';
import { MessagePriority, MessageType } from './message.enums';

/**
 * Topic and tags a message carries for routing and filtering.
 *
 * @public
 */
export interface RoutingKey {
  /** A free-form topic, at most 256 characters; carried, not interpreted by the queue. */
  topic?: string;
  /** Free-form tags, at most 64 of up to 128 characters; tracing keeps `traceparent` here. */
  tags: string[];
}

/** The longest `routing.topic`, in characters. */
export const MAX_TOPIC_LENGTH = 256;

/** Message ids: 6–128 characters of `[A-Za-z0-9_.:-]`. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_.:-]{6,128}$/;

/**
 * A JSON object payload.
 *
 * @public
 */
export type JsonObject = Record<string, unknown>;

/**
 * A message between agents, as sent and as received.
 *
 * @public
 */
export interface AgentMessage<P extends JsonObject = JsonObject> {
  /** Unique per sender; the identity used for de-duplication. 6–128 of `[A-Za-z0-9_.:-]`. */
  messageId: string;
  /** The agent that sent it. */
  sender: AgentId;
  /** The agent whose queue it is delivered to. */
  recipient: AgentId;
  /** Request, response or event. */
  messageType: MessageType;
  /** A JSON object. */
  payload: P;
  /** Defaults to {@link MessagePriority.NORMAL}. */
  priority?: MessagePriority;
  /** Defaults to `{ tags: [] }`. */
  routing?: RoutingKey;
  /** ISO-8601; set on send when absent. */
  timestamp?: string;
  /** Ties a RESPONSE to its REQUEST: `request` sets it (new id unless given), `reply` copies it. */
  correlationId?: string;
  /** Where a RESPONSE to this message goes. */
  replyTo?: AgentId;
  /**
   * The deadline, ISO-8601 (any form `Date.parse` reads; stored as epoch milliseconds): a
   * worker dead-letters a message reserved after it with reason `expired` instead of handing
   * it to a handler. `request()` sets it from its `timeoutMs` unless the message has one.
   */
  expiresAt?: string;
}

/** class-validator shape of a {@link RoutingKey}. */
export class RoutingKeyDto implements RoutingKey {
  /** At most 256 characters. See {@link RoutingKey.topic}. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TOPIC_LENGTH)
  topic?: string;

  /** At most 64, each at most 128 characters. See {@link RoutingKey.tags}. */
  // class-validator reports the constraint declared last first: the shape check goes last.
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @IsArray()
  tags!: string[];
}

/** class-validator shape of an {@link AgentMessage}. The payload is checked separately. */
export class AgentMessageDto {
  /** Required; matches {@link MESSAGE_ID_PATTERN}. */
  @IsDefined()
  @IsString()
  @Matches(MESSAGE_ID_PATTERN)
  messageId!: string;

  /** Required. See {@link AgentMessage.sender}. */
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  sender!: AgentIdDto;

  /** Required. See {@link AgentMessage.recipient}. */
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  recipient!: AgentIdDto;

  /** Required. See {@link AgentMessage.messageType}. */
  @IsDefined()
  @IsEnum(MessageType)
  messageType!: MessageType;

  /** Required JSON object; its size and depth are checked separately. */
  @IsDefined()
  @IsObject()
  payload!: JsonObject;

  /** One of the {@link MessagePriority} values. See {@link AgentMessage.priority}. */
  @IsOptional()
  @IsIn([MessagePriority.LOW, MessagePriority.NORMAL, MessagePriority.HIGH])
  priority?: MessagePriority;

  /** See {@link AgentMessage.routing}. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RoutingKeyDto)
  routing?: RoutingKeyDto;

  /** Strict ISO-8601. See {@link AgentMessage.timestamp}. */
  @IsOptional()
  @IsISO8601({ strict: true })
  timestamp?: string;

  /** Matches {@link MESSAGE_ID_PATTERN}. See {@link AgentMessage.correlationId}. */
  @IsOptional()
  @IsString()
  @Matches(MESSAGE_ID_PATTERN)
  correlationId?: string;

  /** See {@link AgentMessage.replyTo}. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentIdDto)
  replyTo?: AgentIdDto;

  /** ISO-8601 that `Date.parse` reads. See {@link AgentMessage.expiresAt}. */
  @IsOptional()
  @IsISO8601()
  expiresAt?: string;
}
