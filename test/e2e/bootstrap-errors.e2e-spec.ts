import { Injectable, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Agent,
  AgentBootstrapError,
  AgentCoordinationModule,
  ErrorCode,
  OnAgentMessage,
} from '../../lib';
import { AGENT_COORDINATION_REDIS, type AgentCoordinationRedis } from '../../lib/nest';
import { fastOptions, quietLogger } from '../support/nest';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';

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

async function boot(providers: unknown[]): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({
    imports: [AgentCoordinationModule.forRoot(fastOptions(prefix))],
    providers: providers as never[],
  })
    .setLogger(quietLogger)
    .compile();
  try {
    await moduleRef.init();
  } catch (error) {
    // The module closed its connection itself: Nest cannot close() after a failed init.
    const redis = moduleRef.get<AgentCoordinationRedis>(AGENT_COORDINATION_REDIS);
    expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    return error;
  }
  await moduleRef.close();
  return undefined;
}

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
