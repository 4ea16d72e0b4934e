import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AGENT_COORDINATION_IDENTITY,
  AgentClient,
  AgentCoordinationFeatureModule,
  AgentCoordinationModule,
  CircuitBreaker,
  ConfigurationError,
  InjectAgentClient,
  InjectCircuitBreaker,
  ValidationError,
  getAgentClientToken,
  getCircuitBreakerToken,
  type AgentId,
  type AgentTarget,
} from '../../../lib';
import { errorOf } from '../../support/errors';
import { fastOptions, quietLogger } from '../../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('feature-module');

@Injectable()
class Billing {
  constructor(@InjectCircuitBreaker('billing') readonly breaker: CircuitBreaker) {}
}

@Module({
  imports: [AgentCoordinationModule.forFeature({ breakers: ['billing'] })],
  providers: [Billing],
})
class BillingModule {}

describe('AgentCoordinationModule.forFeature()', () => {
  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('declares nothing when no breakers are named', () => {
    expect(AgentCoordinationFeatureModule.register({})).toEqual({
      module: AgentCoordinationFeatureModule,
      providers: [],
      exports: [],
    });
  });

  it('injects a breaker named by a string, with the module defaults', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AgentCoordinationModule.forRoot({
          ...fastOptions(prefix),
          isGlobal: true,
          breakers: { defaults: { failureThreshold: 1 } },
        }),
        BillingModule,
      ],
    })
      .setLogger(quietLogger)
      .compile();
    await moduleRef.init();
    try {
      const breaker = moduleRef.get(Billing).breaker;
      expect(breaker).toBeInstanceOf(CircuitBreaker);
      expect(breaker.name).toBe('billing');
      await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(await breaker.getState()).toBe('open');
    } finally {
      await moduleRef.close();
    }
  });
});

@Injectable()
class Checkout {
  constructor(
    @InjectCircuitBreaker('checkout') readonly breaker: CircuitBreaker,
    @InjectAgentClient('billing') readonly billing: AgentClient,
    @InjectAgentClient({ type: 'billing', instance: 'eu' }) readonly billingEu: AgentClient,
  ) {}
}

@Module({
  imports: [
    AgentCoordinationModule.forFeature({
      breakers: [{ name: 'checkout', config: { failureThreshold: 2 } }],
      clients: [
        'billing',
        {
          target: { type: 'billing', instance: 'eu' },
          sender: { type: 'checkout', instance: 'eu' },
          defaultTimeoutMs: 1_500,
        },
      ],
    }),
  ],
  providers: [Checkout],
})
class CheckoutModule {}

describe('AgentCoordinationModule.forFeature({ clients })', () => {
  const tokenOf = (target: AgentTarget) => getAgentClientToken(target);

  it('declares and exports one client per target, under the token of its agent id', () => {
    const module = AgentCoordinationFeatureModule.register({
      clients: ['billing', { target: { type: 'billing', instance: 'eu' } }],
    });
    const tokens = (module.providers as { provide: string }[]).map((p) => p.provide);
    expect(tokens).toEqual([
      'tta-agent-coordination:agent-client:billing/default',
      'tta-agent-coordination:agent-client:billing/eu',
    ]);
    expect(module.exports).toEqual(tokens);
  });

  it('names one token for an agent type and its default instance, another for each instance', () => {
    expect(tokenOf('billing')).toBe(tokenOf({ type: 'billing' }));
    expect(tokenOf('billing')).toBe(tokenOf({ type: 'billing', instance: 'default' }));
    expect(tokenOf('billing')).not.toBe(tokenOf({ type: 'billing', instance: 'eu' }));
    expect(tokenOf('billing')).not.toBe(getCircuitBreakerToken('billing'));
  });

  it('refuses a bad target when the token is made, and @InjectAgentClient when it is declared', () => {
    expect(errorOf(ValidationError, () => getAgentClientToken('billing/eu')).field).toBe(
      'target.type',
    );
    expect(errorOf(ValidationError, () => InjectAgentClient({ type: 'a b' })).field).toBe(
      'target.type',
    );
  });

  it.each([
    [{ clients: 'billing' }, ConfigurationError, 'clients', 'isArray'],
    [{ clients: [42] }, ConfigurationError, 'clients[0]', 'isObject'],
    [{ clients: ['ok', null] }, ConfigurationError, 'clients[1]', 'isObject'],
    [
      { clients: ['ok', { target: 'bad target' }] },
      ValidationError,
      'clients[1].target.type',
      'matches',
    ],
    [{ clients: [{ sender: { type: 'x' } }] }, ValidationError, 'clients[0].target', 'isObject'],
    [
      { clients: [{ target: 'billing', sender: { type: 'x y' } }] },
      ValidationError,
      'clients[0].sender.type',
      'matches',
    ],
    [
      { clients: [{ target: 'billing', defaultTimeoutMs: 0 }] },
      ConfigurationError,
      'clients[0].defaultTimeoutMs',
      'range',
    ],
    [
      { clients: [{ target: 'billing', timeout: 5 }] },
      ConfigurationError,
      'clients[0].timeout',
      'isKnown',
    ],
    [
      { clients: ['billing', { target: { type: 'billing', instance: 'default' } }] },
      ConfigurationError,
      'clients[1].target',
      'isUnique',
    ],
  ])('refuses %j naming the entry', (options, kind, field, rule) => {
    const error = errorOf(kind, () => AgentCoordinationFeatureModule.register(options as never));
    expect(error).toMatchObject({ field, rule });
  });

  describe('in an application', () => {
    let app: TestingModule | undefined;

    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    async function start(identity?: AgentId) {
      app = await Test.createTestingModule({
        imports: [
          AgentCoordinationModule.forRoot({ ...fastOptions(prefix), isGlobal: true, identity }),
          CheckoutModule,
        ],
      })
        .setLogger(quietLogger)
        .compile();
      await app.init();
      return app;
    }

    it("injects clients that send as the module's identity unless they name their own sender", async () => {
      const checkout = (await start({ type: 'shop', instance: 'eu-1' })).get(Checkout);
      expect(checkout.billing).toBeInstanceOf(AgentClient);
      expect(checkout.billing.target).toEqual({ type: 'billing', instance: 'default' });
      expect(checkout.billing.sender).toEqual({ type: 'shop', instance: 'eu-1' });
      expect(checkout.billing.defaultTimeoutMs).toBe(30_000);
      expect(checkout.billingEu.target).toEqual({ type: 'billing', instance: 'eu' });
      expect(checkout.billingEu.sender).toEqual({ type: 'checkout', instance: 'eu' });
      expect(checkout.billingEu.defaultTimeoutMs).toBe(1_500);
      // Breakers and clients declared together, a breaker with its own config.
      expect(checkout.breaker.config.failureThreshold).toBe(2);
      expect(app!.get(AGENT_COORDINATION_IDENTITY)).toEqual({ type: 'shop', instance: 'eu-1' });
    });

    it('sends as { type: "app" } when the module names no identity', async () => {
      const checkout = (await start()).get(Checkout);
      expect(checkout.billing.sender).toEqual({ type: 'app', instance: 'default' });
    });
  });
});
