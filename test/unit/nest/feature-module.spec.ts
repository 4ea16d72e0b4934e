import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AgentCoordinationFeatureModule,
  AgentCoordinationModule,
  CircuitBreaker,
  InjectCircuitBreaker,
} from '../../../lib';
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
