import { Test } from '@nestjs/testing';
import type { LoggerService } from '@nestjs/common';
import {
  Agent,
  AgentCoordinationModule,
  MessageType,
  OnAgentMessage,
  RedisMessageCoordinator,
  type AgentCoordinationModuleOptions,
} from '../../lib';
import { AGENT_COORDINATION_REDIS, type AgentCoordinationRedis } from '../../lib/nest';
import {
  AGENT_COORDINATION_CORE_COORDINATOR,
  AGENT_COORDINATION_RESOLVED_OPTIONS,
} from '../../lib/nest/module/agent-coordination.constants';
import type { ResolvedModuleOptions } from '../../lib/nest/module/agent-coordination-options.resolver';
import { AgentRegistry, MessageCoordinator, RedisAgentRegistry } from '../../lib';
import { OutcomeRecorder, fastOptions, quietLogger } from '../support/nest';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-lifecycle');

@Agent({ type: 'always-fails' })
class AlwaysFails {
  @OnAgentMessage(MessageType.EVENT)
  handle(): never {
    throw new Error('nope');
  }
}

@Agent({ type: 'idle' })
class IdleAgent {
  @OnAgentMessage(MessageType.EVENT)
  handle() {}
}

/** A MessageCoordinator that is not a RedisMessageCoordinator: every call goes to `inner`. */
function delegatingTo(inner: MessageCoordinator): MessageCoordinator {
  return new Proxy(Object.create(MessageCoordinator.prototype) as MessageCoordinator, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(inner, key);
      return typeof value === 'function' ? (value as () => unknown).bind(inner) : value;
    },
  });
}

/** A core coordinator that is not a RedisMessageCoordinator (it only delegates to one). */
async function startWithWrappedCore(coordinator: AgentCoordinationModuleOptions['coordinator']) {
  const moduleRef = await Test.createTestingModule({
    imports: [AgentCoordinationModule.forRoot({ ...fastOptions(prefix), coordinator })],
    providers: [AlwaysFails],
  })
    .overrideProvider(AGENT_COORDINATION_CORE_COORDINATOR)
    .useFactory({
      factory: (redis: AgentCoordinationRedis, options: ResolvedModuleOptions) =>
        delegatingTo(
          new RedisMessageCoordinator(redis.client, {
            ...options.coordinator,
            keyPrefix: options.keyPrefix,
          }),
        ),
      inject: [AGENT_COORDINATION_REDIS, AGENT_COORDINATION_RESOLVED_OPTIONS],
    })
    .setLogger(quietLogger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

describe('lifecycle edges (e2e)', () => {
  afterAll(async () => {
    const client = createClient();
    for (const p of [prefix, `${prefix}-gone`, `${prefix}-close`]) await deleteKeys(client, p);
    await closeClients();
  });

  it.each([
    ['the configured retryAttempts', { retryAttempts: 1 }, 2],
    ['the default retryAttempts', {}, 4],
  ])(
    'with a core coordinator of its own, reports the outcome of the last attempt from %s',
    async (_name, limits, lastAttempt) => {
      const app = await startWithWrappedCore({
        ...limits,
        backoffBaseMs: 1,
        backoffMaxMs: 2,
        jitter: 'none',
      });
      try {
        const recorder = new OutcomeRecorder(app);
        const result = await app.get(MessageCoordinator).sendMessage(
          { type: 'test' },
          { type: 'always-fails' },
          {
            messageType: MessageType.EVENT,
            payload: {},
          },
        );
        const dead = await recorder.waitFor(result.messageId, 'dead-lettered', 15_000);
        expect(dead.attempt).toBe(lastAttempt);
        expect(recorder.of(result.messageId).map((e) => e.outcome)).toEqual([
          ...Array<string>(lastAttempt - 1).fill('retried'),
          'dead-lettered',
        ]);
        expect(
          (await app.get(MessageCoordinator).deadLetters({ type: 'always-fails' })).map(
            (m) => m.message.messageId,
          ),
        ).toEqual([result.messageId]);
      } finally {
        await app.get(MessageCoordinator).purgeDeadLetters({ type: 'always-fails' });
        await app.close();
      }
    },
  );

  it('logs, and still shuts down, when Redis is gone before shutdown', async () => {
    const warnings: string[] = [];
    const logger: LoggerService = {
      ...quietLogger,
      warn: (m: unknown) => warnings.push(String(m)),
    };
    const client = createClient();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AgentCoordinationModule.forRoot({
          ...fastOptions(`${prefix}-gone`),
          connection: client,
          breakers: { subscribeEvents: false },
        }),
      ],
      providers: [IdleAgent],
    })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    client.disconnect();
    await moduleRef.close();
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^deregister of idle\/default failed: /)]),
    );
  });

  it('closes everything else, and the connection it opened, when one part fails to close', async () => {
    const warnings: string[] = [];
    const logger: LoggerService = {
      ...quietLogger,
      warn: (m: unknown) => warnings.push(String(m)),
    };
    class FailingClose extends RedisAgentRegistry {
      override async close(): Promise<void> {
        await super.close();
        throw new Error('registry close failed');
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [AgentCoordinationModule.forRoot(fastOptions(`${prefix}-close`))],
      providers: [IdleAgent],
    })
      .overrideProvider(AgentRegistry)
      .useFactory({
        factory: (redis: AgentCoordinationRedis, options: ResolvedModuleOptions) =>
          new FailingClose(redis.client, { ...options.registry, keyPrefix: options.keyPrefix }),
        inject: [AGENT_COORDINATION_REDIS, AGENT_COORDINATION_RESOLVED_OPTIONS],
      })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    const redis = moduleRef.get<AgentCoordinationRedis>(AGENT_COORDINATION_REDIS);
    await moduleRef.close();
    expect(warnings).toEqual(['closing the agent registry failed: registry close failed']);
    expect(redis.owned).toBe(true);
    expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
  });
});
