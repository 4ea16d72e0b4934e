import { Inject, Injectable } from '@nestjs/common';
import { AGENT_COORDINATION_REDIS } from '../module/agent-coordination.constants';
import { AgentCoordinationLifecycle } from '../workers/agent-coordination.lifecycle';
import { loadOptionalPackage } from './optional-package.loader';
import type { AgentCoordinationRedis } from '../module/redis.connection';

/**
 * A `@nestjs/terminus` health indicator result.
 *
 * @public
 */
export type AgentCoordinationHealthResult<Key extends string = string> = Record<
  Key,
  {
    /** `up` or `down`. */
    status: 'up' | 'down';
  } & Record<string, unknown>
>;

interface TerminusV11 {
  HealthIndicatorService?: new () => {
    check(key: string): {
      up(data: Record<string, unknown>): AgentCoordinationHealthResult;
      down(data: Record<string, unknown>): AgentCoordinationHealthResult;
    };
  };
  HealthCheckError: new (message: string, causes: unknown) => Error;
}

const DEFAULT_PING_TIMEOUT_MS = 1_000;

/**
 * A health indicator for `@nestjs/terminus` (an optional peer, loaded when a check runs):
 * down when Redis does not answer a PING in time or an agent's receive loop keeps failing.
 *
 * ```ts
 * health.check([() => indicator.isHealthy('agents')])
 * ```
 *
 * @public
 */
@Injectable()
export class AgentCoordinationHealthIndicator {
  /** @internal created by Nest's dependency injection */
  constructor(
    @Inject(AGENT_COORDINATION_REDIS) private readonly redis: AgentCoordinationRedis,
    private readonly lifecycle: AgentCoordinationLifecycle,
  ) {}

  /**
   * Checks Redis and the agents' loops. With terminus 11 a failure is reported as a `down`
   * result; with older versions it is thrown as terminus's `HealthCheckError`.
   *
   * @throws ConfigurationError when `@nestjs/terminus` is not installed
   */
  async isHealthy<Key extends string = 'agentCoordination'>(
    key: Key = 'agentCoordination' as Key,
    options: { timeoutMs?: number } = {},
  ): Promise<AgentCoordinationHealthResult<Key>> {
    const terminus = loadOptionalPackage<TerminusV11>(
      '@nestjs/terminus',
      'AgentCoordinationHealthIndicator',
      true,
    )!;
    const { status, details } = await this.probe(options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
    if (terminus.HealthIndicatorService) {
      const session = new terminus.HealthIndicatorService().check(key);
      return status === 'up' ? session.up(details) : session.down(details);
    }
    const result = { [key]: { status, ...details } } as AgentCoordinationHealthResult<Key>;
    if (status === 'down')
      throw new terminus.HealthCheckError('agent coordination is down', result);
    return result;
  }

  /** The raw check without terminus: Redis reachability and each agent's loop. */
  async probe(timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<{
    /** `up` when Redis answered the PING in time and no agent's loop is failing. */
    status: 'up' | 'down';
    /** `redis` (PING answer or failure), `agents` (each loop) and, if any, the `failing` ids. */
    details: Record<string, unknown>;
  }> {
    const agents = this.lifecycle.status();
    const failing = Object.entries(agents)
      .filter(([, s]) => s.consecutiveErrors > 0)
      .map(([id]) => id);
    let redis: string;
    try {
      redis = await withTimeout(this.redis.client.ping(), timeoutMs);
    } catch (error) {
      redis = `unreachable: ${(error as Error).message}`;
    }
    const status: 'up' | 'down' = redis === 'PONG' && failing.length === 0 ? 'up' : 'down';
    return { status, details: { redis, agents, ...(failing.length ? { failing } : {}) } };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
