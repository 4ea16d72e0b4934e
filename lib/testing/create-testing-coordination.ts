import type { INestApplicationContext, ModuleMetadata, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageCoordinator } from '../messaging/message-coordinator';
import {
  AgentCoordinationTestingModule,
  type AgentCoordinationTestingOptions,
} from './agent-coordination-testing.module';
import { AgentTestingClient } from './agent-testing.client';

/**
 * Options of {@link createTestingCoordination}.
 *
 * @public
 */
export interface TestingCoordinationOptions extends Pick<ModuleMetadata, 'imports' | 'providers'> {
  /** Module options over the testing defaults. */
  options?: AgentCoordinationTestingOptions;
}

/**
 * A running application context with agents on an in-memory Redis.
 *
 * @public
 */
export interface TestingCoordination {
  /** The application context. */
  readonly app: INestApplicationContext;
  /** Delivers messages and awaits their handling. */
  readonly client: AgentTestingClient;
  /** The application's coordinator. */
  readonly coordinator: MessageCoordinator;
  /** Gets a provider, e.g. the agent under test. */
  get<T>(token: Type<T> | string | symbol): T;
  /** Shuts the application down (drains handlers, deregisters agents). */
  close(): Promise<void>;
}

/**
 * Starts `providers` (your agents) and `imports` with the module on an in-memory Redis and
 * returns helpers to drive them. No Redis server and no `@nestjs/testing` needed.
 *
 * @public
 */
export async function createTestingCoordination(
  options: TestingCoordinationOptions = {},
): Promise<TestingCoordination> {
  @Module({
    imports: [AgentCoordinationTestingModule.forRoot(options.options), ...(options.imports ?? [])],
    providers: options.providers ?? [],
  })
  class TestingRootModule {}

  const app = await NestFactory.createApplicationContext(TestingRootModule, {
    logger: ['error'],
    abortOnError: false,
  });
  return {
    app,
    client: app.get(AgentTestingClient),
    coordinator: app.get(MessageCoordinator),
    get: <T>(token: Type<T> | string | symbol) => app.get<T>(token, { strict: false }),
    close: () => app.close(),
  };
}
