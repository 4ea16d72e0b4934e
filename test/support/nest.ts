import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import {
  AGENT_COORDINATION_REDIS,
  AgentCoordinationModule,
  AgentMessageEvents,
  type AgentCoordinationRedis,
  type AgentCoordinationModuleOptions,
} from '../../lib/nest';
import type { MessageHandledEvent } from '../../lib/runtime';
import { AgentCoordinationLifecycle } from '../../lib/nest/workers/agent-coordination.lifecycle';
import { eventually, REDIS_URL } from './redis';

/** Options of {@link startAgentApp}. */
export interface AgentAppOptions extends Pick<ModuleMetadata, 'imports' | 'providers'> {
  /** Key prefix of this test file. */
  keyPrefix: string;
  /** Module options over the fast test defaults; `connection` defaults to {@link REDIS_URL}. */
  options?: Partial<AgentCoordinationModuleOptions>;
}

/** Module options that make retries and recovery quick enough for tests. */
export function fastOptions(keyPrefix: string): AgentCoordinationModuleOptions {
  return {
    connection: REDIS_URL,
    keyPrefix,
    coordinator: { retryAttempts: 2, backoffBaseMs: 10, backoffMaxMs: 20, jitter: 'none' },
    registry: { heartbeatTtlMs: 3_000, heartbeatIntervalMs: 1_000 },
    consumer: { receiveWaitMs: 200, visibilityTimeoutMs: 2_000, shutdownTimeoutMs: 2_000 },
  };
}

/** Compiles and initialises a Nest application context with the module and `providers`. */
export async function startAgentApp(options: AgentAppOptions): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AgentCoordinationModule.forRoot({ ...fastOptions(options.keyPrefix), ...options.options }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  })
    .setLogger(quietLogger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

/** Collects the handled events of an application and waits for particular ones. */
export class OutcomeRecorder {
  readonly events: MessageHandledEvent[] = [];
  private readonly source: AgentMessageEvents;

  constructor(app: INestApplicationContext) {
    this.source = app.get(AgentMessageEvents);
    this.source.handled$.subscribe((event) => this.events.push(event));
  }

  /** The next handled event of `messageId` whose outcome matches, within `ms`. */
  waitFor(
    messageId: string,
    outcome?: MessageHandledEvent['outcome'],
    ms = 5_000,
  ): Promise<MessageHandledEvent> {
    const seen = this.events.find(
      (e) => e.messageId === messageId && (!outcome || e.outcome === outcome),
    );
    if (seen) return Promise.resolve(seen);
    return firstValueFrom(
      this.source.handled$.pipe(
        filter((e) => e.messageId === messageId && (!outcome || e.outcome === outcome)),
        take(1),
        timeout(ms),
      ),
    );
  }

  /** Events of one message, in order. */
  of(messageId: string): MessageHandledEvent[] {
    return this.events.filter((e) => e.messageId === messageId);
  }
}

/** A logger that keeps test output quiet but still shows errors. */
export const quietLogger = {
  log: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
  error: (...args: unknown[]) => console.error(...args),
};

/** What {@link bootAgents} found. */
export interface BootOutcome {
  /** Why `init()` failed; absent when it succeeded. */
  error?: unknown;
  /** The agents that started (`type/instance`), when it succeeded. */
  agents?: string[];
}

/**
 * Compiles and initialises the module under `prefix` with `providers`, then closes it. When
 * `init()` fails, checks that the module closed its Redis connection itself (Nest cannot
 * `close()` after a failed init) and returns the error.
 */
export async function bootAgents(prefix: string, providers: unknown[]): Promise<BootOutcome> {
  const moduleRef = await Test.createTestingModule({
    imports: [AgentCoordinationModule.forRoot(fastOptions(prefix))],
    providers: providers as never[],
  })
    .setLogger(quietLogger)
    .compile();
  try {
    await moduleRef.init();
  } catch (error) {
    const redis = moduleRef.get<AgentCoordinationRedis>(AGENT_COORDINATION_REDIS);
    expect(await eventually(() => redis.client.status === 'end', 2_000)).toBe(true);
    return { error };
  }
  const agents = Object.keys(moduleRef.get(AgentCoordinationLifecycle).status());
  await moduleRef.close();
  return { agents };
}
