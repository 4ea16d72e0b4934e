import { AgentParamType } from '../decorators/agent-params.decorator';

/** Turns a handler's raw arguments `(payload, context)` into what each parameter decorator asks for. */
export class AgentParamsFactory {
  /** Called by Nest's external context for each decorated parameter. */
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]): unknown {
    const [payload, context] = args;
    switch (type as AgentParamType) {
      case AgentParamType.PAYLOAD:
        return typeof data === 'string' && payload && typeof payload === 'object'
          ? (payload as Record<string, unknown>)[data]
          : payload;
      case AgentParamType.CONTEXT:
        return context;
      default:
        return undefined;
    }
  }
}
