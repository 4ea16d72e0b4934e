import { Injectable, type PipeTransform } from '@nestjs/common';
import { AgentContext, AgentPayload } from '../../../lib';
import { AGENT_HANDLER_ARGS_METADATA } from '../../../lib/nest/module/agent-coordination.constants';
import { AgentParamsFactory } from '../../../lib/nest/discovery/agent-params.factory';
import { AgentParamType } from '../../../lib/nest/decorators/agent-params.decorator';

class Upper implements PipeTransform {
  transform(value: unknown): unknown {
    return typeof value === 'string' ? value.toUpperCase() : value;
  }
}

type ArgsMetadata = Record<string, { index: number; data?: string; pipes: unknown[] }>;

function argsOf(target: object, method: string): ArgsMetadata {
  return Reflect.getMetadata(AGENT_HANDLER_ARGS_METADATA, target, method) as ArgsMetadata;
}

describe('AgentParamsFactory', () => {
  const factory = new AgentParamsFactory();
  const context = { token: 't' };

  it('gives the payload, one field of it, or the context', () => {
    const payload = { name: 'Ada' };
    expect(factory.exchangeKeyForValue(AgentParamType.PAYLOAD, undefined, [payload, context])).toBe(
      payload,
    );
    expect(factory.exchangeKeyForValue(AgentParamType.PAYLOAD, 'name', [payload, context])).toBe(
      'Ada',
    );
    expect(factory.exchangeKeyForValue(AgentParamType.CONTEXT, undefined, [payload, context])).toBe(
      context,
    );
  });

  it('gives a non-object payload whole even when a field is asked for', () => {
    expect(factory.exchangeKeyForValue(AgentParamType.PAYLOAD, 'name', ['text', context])).toBe(
      'text',
    );
    expect(factory.exchangeKeyForValue(AgentParamType.PAYLOAD, 'name', [null, context])).toBeNull();
  });

  it('gives undefined for a parameter type it does not know', () => {
    expect(factory.exchangeKeyForValue(99, undefined, [{ a: 1 }, context])).toBeUndefined();
  });
});

describe('@AgentPayload() / @AgentContext()', () => {
  it('records the payload with pipes, a field, and the context by parameter index', () => {
    const pipe = new Upper();
    class Handlers {
      withPipes(@AgentPayload(Upper, pipe) _payload: unknown) {}
      withField(@AgentPayload('name', pipe) _name: string, @AgentContext() _ctx: unknown) {}
      plain(@AgentPayload() _payload: unknown) {}
    }
    const withPipes = Object.values(argsOf(Handlers, 'withPipes'));
    expect(withPipes).toEqual([{ index: 0, data: undefined, pipes: [Upper, pipe] }]);
    const withField = argsOf(Handlers, 'withField');
    expect(withField[`${AgentParamType.PAYLOAD}:0`]).toEqual({
      index: 0,
      data: 'name',
      pipes: [pipe],
    });
    expect(withField[`${AgentParamType.CONTEXT}:1`]).toEqual({
      index: 1,
      data: undefined,
      pipes: [],
    });
    expect(Object.values(argsOf(Handlers, 'plain'))).toEqual([
      { index: 0, data: undefined, pipes: [] },
    ]);
  });

  it('records nothing on a constructor parameter (no method to call)', () => {
    @Injectable()
    class Service {
      constructor(@AgentPayload() readonly value: unknown) {}
    }
    // A constructor parameter's target is the class itself, whose `constructor` is Function.
    expect(Reflect.getMetadataKeys(Service)).not.toContain(AGENT_HANDLER_ARGS_METADATA);
    expect(Reflect.getOwnMetadata(AGENT_HANDLER_ARGS_METADATA, Function)).toBeUndefined();
  });
});
