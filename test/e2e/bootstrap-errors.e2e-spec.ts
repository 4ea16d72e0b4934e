import { Injectable, Scope } from '@nestjs/common';
import { Agent, AgentBootstrapError, ErrorCode, OnAgentMessage } from '../../lib';
import { bootAgents } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-bootstrap');

@Injectable()
class NotAnAgent {
  @OnAgentMessage('event')
  handle() {}
}

@Agent({ type: 'twice' })
class TwoHandlersForOneType {
  @OnAgentMessage('event')
  first() {}

  @OnAgentMessage(['request', 'event'])
  second() {}
}

@Agent({ type: 'scoped' })
@Injectable({ scope: Scope.REQUEST })
class RequestScopedAgent {
  @OnAgentMessage('event')
  handle() {}
}

@Agent({ type: 'bad id!' })
class BadIdAgent {}

@Agent({ type: 'same' })
class SameA {}
@Agent({ type: 'same' })
class SameB {}

@Agent({ type: 'factory-made' })
class FactoryAgent {
  @OnAgentMessage('event')
  handle() {}
}

const boot = async (providers: unknown[]) => (await bootAgents(prefix, providers)).error;

describe('bootstrap errors (e2e)', () => {
  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it.each([
    [
      'a handler outside an @Agent()',
      [NotAnAgent],
      /NotAnAgent\.handle\(\) is outside an @Agent\(\)/,
    ],
    [
      'two handlers for one agent and type',
      [TwoHandlersForOneType],
      /twice\/default .* two handlers for "event" messages: first\(\) and second\(\)/,
    ],
    [
      'a request-scoped agent',
      [RequestScopedAgent],
      /RequestScopedAgent must be a singleton provider/,
    ],
    ['an invalid agent id', [BadIdAgent], /@Agent\(\) on BadIdAgent: Invalid agent\.type/],
    [
      'two agents with one id',
      [SameA, SameB],
      /SameB and SameA both claim the agent id same\/default|SameA and SameB both claim/,
    ],
  ])('fails with BOOTSTRAP_FAILED for %s', async (_name, providers, message) => {
    const error = await boot(providers);
    expect(error).toBeInstanceOf(AgentBootstrapError);
    expect((error as AgentBootstrapError).code).toBe(ErrorCode.BOOTSTRAP_FAILED);
    expect((error as Error).message).toMatch(message);
  });

  it('finds agents on factory providers through instance.constructor', async () => {
    const error = await boot([
      { provide: 'AGENT', useFactory: () => new FactoryAgent() },
      TwoHandlersForOneType,
    ]);
    // The factory-made agent was found, so the failure is about the other one only.
    expect((error as Error).message).toMatch(/twice/);
    expect(
      await boot([{ provide: 'AGENT', useFactory: () => new FactoryAgent() }]),
    ).toBeUndefined();
  });
});
