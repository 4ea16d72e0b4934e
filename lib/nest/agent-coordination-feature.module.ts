import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { CircuitBreakerRegistry } from '../resilience/circuit-breaker-registry';
import type { CircuitBreakerConfig } from '../resilience/circuit-breaker.config';
import { getCircuitBreakerToken } from './agent-coordination.constants';

/** A circuit breaker to make injectable with `@InjectCircuitBreaker(name)`. */
export interface CircuitBreakerFeature {
  /** The breaker's name, shared with every process that uses it. */
  name: string;
  /** Config over the module's `breakers.defaults`. */
  config?: Partial<CircuitBreakerConfig>;
}

/** Options of `AgentCoordinationModule.forFeature()`. */
export interface AgentCoordinationFeatureOptions {
  /** Breakers by name, or with their config. */
  breakers?: (string | CircuitBreakerFeature)[];
}

/**
 * Holds the providers `AgentCoordinationModule.forFeature()` declares. It uses the
 * `CircuitBreakerRegistry` of the root module, which must therefore be visible to it
 * (`forRoot({ isGlobal: true, ... })`).
 */
@Module({})
export class AgentCoordinationFeatureModule {
  /** The dynamic module declaring the named breakers. */
  static register(options: AgentCoordinationFeatureOptions): DynamicModule {
    const providers: Provider[] = (options.breakers ?? []).map((entry) => {
      const { name, config } =
        typeof entry === 'string' ? { name: entry, config: undefined } : entry;
      return {
        provide: getCircuitBreakerToken(name),
        useFactory: (registry: CircuitBreakerRegistry) => registry.get(name, config),
        inject: [CircuitBreakerRegistry],
      };
    });
    return {
      module: AgentCoordinationFeatureModule,
      providers,
      exports: providers.map((p) => (p as { provide: string }).provide),
    };
  }
}
