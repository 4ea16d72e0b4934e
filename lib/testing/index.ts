// The `tta-agent-coordination/testing` entry: test agents without a Redis server. The
// ioredis-mock adapter behind `createMockRedis()` is internal.
export {
  AGENT_TESTING_REDIS,
  AgentCoordinationTestingModule,
  TESTING_DEFAULTS,
  createMockRedis,
} from './agent-coordination-testing.module';
export type { AgentCoordinationTestingOptions } from './agent-coordination-testing.module';
export { AgentTestingClient, TEST_SENDER } from './agent-testing.client';
export type { DeliverOptions, TestMessage } from './agent-testing.client';
export { createTestingCoordination } from './create-testing-coordination';
export type {
  TestingCoordination,
  TestingCoordinationOptions,
} from './create-testing-coordination';
export { useAccurateClock } from './mock-clock';
