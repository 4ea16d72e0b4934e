import { Agent, AgentBootstrapError, OnAgentMessage, isAgentBootstrapError } from '../../lib';
import { bootAgents } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-binding');

@Agent({ type: 'no-types' })
class NoTypes {
  @OnAgentMessage([])
  handle() {}
}

@Agent({ type: 'bad-type' })
class BadType {
  @OnAgentMessage('bogus' as never)
  handle() {}
}

@Agent({ type: 'zero-timeout' })
class ZeroTimeout {
  @OnAgentMessage('event', { timeoutMs: 0 })
  handle() {}
}

@Agent({ type: 'fraction-timeout' })
class FractionTimeout {
  @OnAgentMessage('event', { timeoutMs: 1.5 })
  handle() {}
}

@Agent({ type: 'shared' })
class SharedAgent {
  @OnAgentMessage('event')
  handle() {}
}

const boot = (providers: unknown[]) => bootAgents(prefix, providers);

describe('@OnAgentMessage() bindings checked at bootstrap (e2e)', () => {
  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it.each([
    ['no message type', NoTypes, /NoTypes\.handle\(\) names no message type/],
    ['an unknown message type', BadType, /"bogus" is not a message type \(one of request, /],
    ['a zero timeout', ZeroTimeout, /timeoutMs must be a positive integer, got 0/],
    ['a fractional timeout', FractionTimeout, /timeoutMs must be a positive integer, got 1\.5/],
  ])('rejects a binding with %s', async (_name, agent, message) => {
    const { error } = await boot([agent]);
    expect(error).toBeInstanceOf(AgentBootstrapError);
    expect(isAgentBootstrapError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('isAgentBootstrapError is false for other errors', () => {
    expect(isAgentBootstrapError(new Error('x'))).toBe(false);
    expect(isAgentBootstrapError(undefined)).toBe(false);
  });

  it('runs one agent when one instance is provided under two tokens', async () => {
    const instance = new SharedAgent();
    const { error, agents } = await boot([
      { provide: 'FIRST', useValue: instance },
      { provide: 'SECOND', useValue: instance },
    ]);
    expect(error).toBeUndefined();
    expect(agents).toEqual(['shared/default']);
  });

  it('ignores values whose constructor is not a class, and values that are not objects', async () => {
    const { error, agents } = await boot([
      { provide: 'ARROW', useValue: { constructor: () => undefined } },
      { provide: 'NUMBER', useValue: 42 },
      { provide: 'NOTHING', useValue: null },
    ]);
    expect(error).toBeUndefined();
    expect(agents).toEqual([]);
  });
});
