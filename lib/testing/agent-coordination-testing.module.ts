import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DEFAULT_COORDINATOR_LIMITS } from '../messaging/coordinator.options';
import { AgentCoordinationModule } from '../nest/module/agent-coordination.module';
import type { AgentCoordinationModuleOptions } from '../nest/module/agent-coordination.options';
import { loadOptionalPackage } from '../nest/observability/optional-package.loader';
import { AgentTestingClient } from './agent-testing.client';
import { useAccurateClock } from './mock-clock';
import { adaptReplyTransformers, type RedisMockCommands } from './mock-reply-context';

/**
 * Token of the in-memory Redis a testing module runs on.
 *
 * @public
 */
export const AGENT_TESTING_REDIS = Symbol('AGENT_TESTING_REDIS');

/**
 * Options of {@link AgentCoordinationTestingModule.forRoot}: module options without a connection.
 *
 * @public
 */
export type AgentCoordinationTestingOptions = Partial<
  Omit<AgentCoordinationModuleOptions, 'connection'>
>;

/**
 * Defaults of the testing module. Retry and payload limits are the documented defaults
 * (`retryAttempts` 3, as `DEFAULT_COORDINATOR_LIMITS`), so a test sees as many attempts as
 * production. What differs keeps unit tests fast, and only changes timing: retry backoff of
 * 1–5 ms without jitter (default 1 s doubling to 30 s, full jitter), 50 ms receive waits,
 * 1 s shutdown and recovery intervals, key prefix `test`, no registry or breaker event
 * subscriptions and no tracing. Any of them can be overridden in
 * {@link AgentCoordinationTestingModule.forRoot}.
 *
 * @public
 */
export const TESTING_DEFAULTS: Omit<AgentCoordinationModuleOptions, 'connection'> = {
  keyPrefix: 'test',
  coordinator: {
    retryAttempts: DEFAULT_COORDINATOR_LIMITS.retryAttempts,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    jitter: 'none',
  },
  registry: { heartbeatTtlMs: 30_000, subscribeEvents: false },
  breakers: { subscribeEvents: false },
  consumer: { receiveWaitMs: 50, shutdownTimeoutMs: 1_000, recoverIntervalMs: 1_000 },
  tracing: false,
};

type RedisMockClass = (new (options?: { host?: string }) => Redis) & RedisMockCommands;

/**
 * A fresh ioredis-mock instance with its own data (instances share data per host), answering
 * `TIME` from an accurate, never-decreasing clock (see {@link useAccurateClock}), on ioredis 5
 * or 6. ioredis-mock is bundled with this package.
 *
 * @public
 */
export function createMockRedis(): Redis {
  const RedisMock = loadOptionalPackage<RedisMockClass | { default: RedisMockClass }>(
    'ioredis-mock',
    'tta-agent-coordination/testing',
    true,
  )!;
  const Ctor = typeof RedisMock === 'function' ? RedisMock : RedisMock.default;
  adaptReplyTransformers(Ctor);
  return useAccurateClock(new Ctor({ host: `agent-testing-${randomBytes(6).toString('hex')}` }));
}

@Injectable()
class MockRedisCleaner implements OnApplicationShutdown {
  constructor(@Inject(AGENT_TESTING_REDIS) private readonly redis: Redis) {}

  /** Drops the in-memory data once the application is closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.flushall();
  }
}

/**
 * `AgentCoordinationModule` on an in-memory Redis (ioredis-mock, an optional peer): the real
 * coordinator, registry, receive loops and handler pipeline, without a Redis server.
 * Provides {@link AgentTestingClient} to deliver messages and await their handling.
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [AgentCoordinationTestingModule.forRoot()],
 *   providers: [MyAgent],
 * }).compile();
 * await moduleRef.init();
 * const outcome = await moduleRef.get(AgentTestingClient).deliver({ type: 'my-agent' }, { payload: {} });
 * ```
 *
 * @public
 */
@Module({})
export class AgentCoordinationTestingModule {
  /** The module on a new in-memory Redis, global so every test provider sees it. */
  static forRoot(options: AgentCoordinationTestingOptions = {}): DynamicModule {
    const redis = createMockRedis();
    const merged: AgentCoordinationModuleOptions = {
      ...TESTING_DEFAULTS,
      ...options,
      coordinator: { ...TESTING_DEFAULTS.coordinator, ...options.coordinator },
      registry: { ...TESTING_DEFAULTS.registry, ...options.registry },
      breakers: { ...TESTING_DEFAULTS.breakers, ...options.breakers },
      consumer: { ...TESTING_DEFAULTS.consumer, ...options.consumer },
      connection: redis,
    };
    return {
      module: AgentCoordinationTestingModule,
      global: true,
      imports: [AgentCoordinationModule.forRoot(merged)],
      providers: [
        { provide: AGENT_TESTING_REDIS, useValue: redis },
        MockRedisCleaner,
        AgentTestingClient,
      ],
      exports: [AgentCoordinationModule, AgentTestingClient, AGENT_TESTING_REDIS],
    };
  }
}
