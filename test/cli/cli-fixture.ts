import {
  CircuitBreakerRegistry,
  FailureType,
  MessageType,
  RedisAgentRegistry,
  RedisMessageCoordinator,
} from '../../lib';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

/**
 * A key prefix holding something for each CLI command to show: two messages for `worker`, the
 * first (`msg-000001`, payload `{ n: 1 }`) dead-lettered with the error `broken`; a registered
 * agent `Worker`; a breaker `db` tripped open.
 */
export class CliFixture {
  readonly prefix: string;
  readonly worker = { type: 'worker' };
  private readonly redis = createClient();
  readonly coordinator: RedisMessageCoordinator;
  readonly registry: RedisAgentRegistry;
  readonly breakers: CircuitBreakerRegistry;

  constructor(name: string) {
    this.prefix = uniquePrefix(name);
    this.coordinator = new RedisMessageCoordinator(this.redis, { keyPrefix: this.prefix });
    this.registry = new RedisAgentRegistry(this.redis, {
      keyPrefix: this.prefix,
      heartbeatTtlMs: 120_000,
      autoHeartbeat: false,
      subscribeEvents: false,
    });
    this.breakers = new CircuitBreakerRegistry(this.redis, {
      keyPrefix: this.prefix,
      subscribeEvents: false,
    });
  }

  async seed(): Promise<void> {
    for (const n of [1, 2]) {
      await this.coordinator.sendMessage({ type: 'planner' }, this.worker, {
        messageType: MessageType.EVENT,
        payload: { n },
        messageId: `msg-00000${n}`,
      });
    }
    const delivery = await this.coordinator.receive(this.worker, 1_000);
    await this.coordinator.nack(this.worker, delivery!.token, FailureType.PERMANENT, 'broken');
    await this.registry.register({
      agentId: this.worker,
      name: 'Worker',
      statusSnapshot: () => ({ state: 'ready' }),
    });
    const breaker = await this.breakers.get('db', { failureThreshold: 1 });
    await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);
  }

  async teardown(): Promise<void> {
    await this.coordinator.close();
    await this.registry.close();
    await this.breakers.close();
    await deleteKeys(this.redis, this.prefix);
    await closeClients();
  }
}
