import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  Agent,
  AgentCoordinationModule,
  AgentRegistry,
  CircuitBreaker,
  CircuitBreakerRegistry,
  ConfigurationError,
  InjectCircuitBreaker,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  RedisAgentRegistry,
  type AgentCoordinationModuleOptions,
} from '../../lib';
import { AGENT_COORDINATION_REDIS, type AgentCoordinationRedis } from '../../lib/nest';
import { fastOptions, quietLogger } from '../support/nest';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  REDIS_URL,
  uniquePrefix,
} from '../support/redis';

const prefix = uniquePrefix('e2e-config');

@Agent({ type: 'echo' })
class EchoAgent {
  @OnAgentMessage('request')
  echo(payload: Record<string, unknown>) {
    return payload;
  }
}

@Injectable()
class PaymentsService {
  constructor(@InjectCircuitBreaker('payments') readonly breaker: CircuitBreaker) {}
}

@Module({
  imports: [
    AgentCoordinationModule.forFeature({
      breakers: [{ name: 'payments', config: { failureThreshold: 2 } }],
    }),
  ],
  providers: [PaymentsService],
})
class PaymentsModule {}

@Injectable()
class OptionsFactory {
  createAgentCoordinationOptions(): AgentCoordinationModuleOptions {
    return fastOptions(prefix);
  }
}

async function compile(
  imports: unknown[],
  providers: unknown[] = [],
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    providers: providers as never[],
  })
    .setLogger(quietLogger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

async function roundTrip(app: INestApplicationContext): Promise<unknown> {
  const response = await app
    .get(MessageCoordinator)
    .request(
      { type: 'tester' },
      { type: 'echo' },
      { messageType: MessageType.REQUEST, payload: { hello: 'world' } },
      { timeoutMs: 5_000 },
    );
  return response.payload;
}

describe('module configuration (e2e)', () => {
  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('forRootAsync takes its options from ConfigService through imports and inject', async () => {
    const app = await compile(
      [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ agents: { redisUrl: REDIS_URL, prefix } })],
        }),
        AgentCoordinationModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...fastOptions(config.getOrThrow<string>('agents.prefix')),
            connection: config.getOrThrow<string>('agents.redisUrl'),
          }),
        }),
      ],
      [EchoAgent],
    );
    try {
      expect(await roundTrip(app)).toEqual({ hello: 'world' });
      const registered = await app.get(AgentRegistry).getAgent({ type: 'echo' });
      expect(registered).toMatchObject({ name: 'echo/default', alive: true });
    } finally {
      await app.close();
    }
    // Deregistered on shutdown.
    const probe = new RedisAgentRegistry(createClient(), {
      keyPrefix: prefix,
      subscribeEvents: false,
    });
    expect(await probe.getAgent({ type: 'echo' })).toBeNull();
    await probe.close();
  });

  it('forRootAsync accepts useClass', async () => {
    const app = await compile(
      [AgentCoordinationModule.forRootAsync({ useClass: OptionsFactory })],
      [EchoAgent],
    );
    try {
      expect(await roundTrip(app)).toEqual({ hello: 'world' });
    } finally {
      await app.close();
    }
  });

  it('leaves an application-owned client open on shutdown, and closes one it opened', async () => {
    const own = createClient();
    const app = await compile(
      [AgentCoordinationModule.forRoot({ ...fastOptions(prefix), connection: own })],
      [EchoAgent],
    );
    const used = app.get<AgentCoordinationRedis>(AGENT_COORDINATION_REDIS);
    expect(used).toMatchObject({ client: own, owned: false });
    expect(await roundTrip(app)).toEqual({ hello: 'world' });
    await app.close();
    expect(own.status).toBe('ready');
    expect(await own.ping()).toBe('PONG');

    const opened = await compile([AgentCoordinationModule.forRoot(fastOptions(prefix))]);
    const connection = opened.get<AgentCoordinationRedis>(AGENT_COORDINATION_REDIS);
    expect(connection.owned).toBe(true);
    await opened.close();
    expect(await eventually(() => connection.client.status === 'end', 2_000)).toBe(true);
  });

  it('rejects invalid options at start-up with a ConfigurationError naming the field', async () => {
    const start = (options: Partial<AgentCoordinationModuleOptions>) =>
      compile([
        AgentCoordinationModule.forRoot({
          ...fastOptions(prefix),
          ...options,
        }),
      ]);
    await expect(start({ consumer: { concurrency: 0 } })).rejects.toMatchObject({
      constructor: ConfigurationError,
      field: 'consumer.concurrency',
      code: 'INVALID_CONFIG',
    });
    await expect(start({ connection: 'http://localhost' })).rejects.toMatchObject({
      field: 'connection',
    });
    await expect(start({ coordinator: { queueSize: -1 } })).rejects.toMatchObject({
      field: 'coordinator.queueSize',
    });
    await expect(start({ keyPrefix: 'bad prefix' })).rejects.toMatchObject({ field: 'keyPrefix' });
    await expect(start({ consumer: { concurency: 2 } as never })).rejects.toThrow(
      /consumer\.concurency/,
    );
  });

  it('isGlobal makes the providers visible everywhere and forFeature injects named breakers', async () => {
    const app = await compile([
      AgentCoordinationModule.forRoot({ ...fastOptions(prefix), isGlobal: true }),
      PaymentsModule,
    ]);
    try {
      const breaker = app.get(PaymentsService).breaker;
      expect(breaker).toBeInstanceOf(CircuitBreaker);
      expect(app.get(CircuitBreakerRegistry).list()).toContain(breaker);
      await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(await breaker.getState()).toBe('open');
    } finally {
      await app.close();
    }
  });
});
