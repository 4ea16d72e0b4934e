import { assignMetadata, type PipeTransform, type Type } from '@nestjs/common';
import { AGENT_HANDLER_ARGS_METADATA } from '../module/agent-coordination.constants';

/**
 * Which argument of a message handler a parameter decorator asks for. The numbers follow
 * Nest's own (`PAYLOAD` is its body type), so pipes see the payload as `type: 'body'` and
 * `ValidationPipe` validates it, as with `@Payload()` in @nestjs/microservices.
 */
export enum AgentParamType {
  /** The message payload, or one field of it: `@AgentPayload()`. */
  PAYLOAD = 3,
  /** The handler's `AgentMessageContext`: `@AgentContext()`. */
  CONTEXT = 6,
}

function paramDecorator(type: AgentParamType, data?: string) {
  return (...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator =>
    (target, key, index) => {
      if (key === undefined) return;
      const args = (Reflect.getMetadata(AGENT_HANDLER_ARGS_METADATA, target.constructor, key) ??
        {}) as Record<string, unknown>;
      Reflect.defineMetadata(
        AGENT_HANDLER_ARGS_METADATA,
        assignMetadata(args, type, index, data, ...pipes),
        target.constructor,
        key,
      );
    };
}

/**
 * The message payload, run through the given pipes (and global or `@UsePipes()` ones), so a
 * class-validator DTO with `ValidationPipe` checks it. `property` picks one field of it.
 *
 * @public
 */
export function AgentPayload(
  property?: string,
  ...pipes: (Type<PipeTransform> | PipeTransform)[]
): ParameterDecorator;
/**
 * The message payload, run through the given pipes.
 *
 * @public
 */
export function AgentPayload(...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator;
export function AgentPayload(
  propertyOrPipe?: string | Type<PipeTransform> | PipeTransform,
  ...pipes: (Type<PipeTransform> | PipeTransform)[]
): ParameterDecorator {
  if (typeof propertyOrPipe === 'string') {
    return paramDecorator(AgentParamType.PAYLOAD, propertyOrPipe)(...pipes);
  }
  const all = propertyOrPipe === undefined ? pipes : [propertyOrPipe, ...pipes];
  return paramDecorator(AgentParamType.PAYLOAD)(...all);
}

/**
 * The handler's `AgentMessageContext`: message, attempt, `extend`, `reply`, `signal`.
 *
 * @public
 */
export function AgentContext(): ParameterDecorator {
  return paramDecorator(AgentParamType.CONTEXT)();
}
