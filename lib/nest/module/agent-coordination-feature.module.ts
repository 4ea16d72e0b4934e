import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AgentClient } from '../../client/agent-client';
import { resolveClientFields, type AgentTarget } from '../../client/agent-client.options';
import { ConfigurationError } from '../../errors';
import { MessageCoordinator } from '../../messaging/message-coordinator';
import type { AgentId, ResolvedAgentId } from '../../common/agent-id';
import { CircuitBreakerRegistry } from '../../resilience/circuit-breaker-registry';
import type { CircuitBreakerConfig } from '../../resilience/circuit-breaker.config';
import {
  AGENT_COORDINATION_IDENTITY,
  getAgentClientToken,
  getCircuitBreakerToken,
} from './agent-coordination.constants';

/**
 * A circuit breaker to make injectable with `@InjectCircuitBreaker(name)`.
 *
 * @public
 */
export interface CircuitBreakerFeature {
  /** The breaker's name, shared with every process that uses it. */
  name: string;
  /** Config over the module's `breakers.defaults`. */
  config?: Partial<CircuitBreakerConfig>;
}

/**
 * An agent client to make injectable with `@InjectAgentClient(target)`.
 *
 * @beta
 */
export interface AgentClientFeature {
  /** The agent it talks to: an agent type, or an id with its instance. */
  target: AgentTarget;
  /** Who sends its messages. Default the module's `identity`. */
  sender?: AgentId;
  /** Timeout of its requests that name none. Default 30 000 ms. */
  defaultTimeoutMs?: number;
}

/**
 * Options of `AgentCoordinationModule.forFeature()`.
 *
 * @public
 */
export interface AgentCoordinationFeatureOptions {
  /** Breakers by name, or with their config. */
  breakers?: (string | CircuitBreakerFeature)[];
  /**
   * Agent clients by agent type, or with their target id and options; one per target.
   *
   * @beta
   */
  clients?: (string | AgentClientFeature)[];
}

/**
 * Holds the providers `AgentCoordinationModule.forFeature()` declares. It uses the
 * `CircuitBreakerRegistry`, `MessageCoordinator` and identity of the root module, which must
 * therefore be visible to it (`forRoot({ isGlobal: true, ... })`).
 *
 * @public
 */
@Module({})
export class AgentCoordinationFeatureModule {
  /**
   * The dynamic module declaring the named breakers and agent clients.
   *
   * @throws ValidationError for a client target or sender that is not a valid agent id;
   *   ConfigurationError for another bad client option, a malformed entry, or two clients
   *   toward one agent
   */
  static register(options: AgentCoordinationFeatureOptions): DynamicModule {
    const providers: Provider[] = [
      ...(options.breakers ?? []).map(breakerProvider),
      ...clientProviders(options.clients ?? []),
    ];
    return {
      module: AgentCoordinationFeatureModule,
      providers,
      exports: providers.map((p) => (p as { provide: string }).provide),
    };
  }
}

function breakerProvider(entry: string | CircuitBreakerFeature): Provider {
  const { name, config } = typeof entry === 'string' ? { name: entry, config: undefined } : entry;
  return {
    provide: getCircuitBreakerToken(name),
    useFactory: (registry: CircuitBreakerRegistry) => registry.get(name, config),
    inject: [CircuitBreakerRegistry],
  };
}

/**
 * One provider per client entry, each validated here, before any connection is opened (the
 * entries may come from untyped config).
 */
function clientProviders(entries: unknown): Provider[] {
  if (!Array.isArray(entries)) {
    throw new ConfigurationError('clients', 'isArray', 'must be an array of agent clients');
  }
  const tokens = new Set<string>();
  return entries.map((entry: unknown, index) => {
    const field = `clients[${index}]`;
    const feature = typeof entry === 'string' ? { target: entry } : (entry as AgentClientFeature);
    const { sender, ...fields } = resolveClientFields(feature, field);
    const token = getAgentClientToken(fields.target);
    if (tokens.has(token)) {
      throw new ConfigurationError(`${field}.target`, 'isUnique', 'names an agent already listed');
    }
    tokens.add(token);
    return {
      provide: token,
      useFactory: (coordinator: MessageCoordinator, identity: ResolvedAgentId) =>
        new AgentClient(coordinator, { ...fields, sender: sender ?? identity }),
      inject: [MessageCoordinator, AGENT_COORDINATION_IDENTITY],
    };
  });
}
