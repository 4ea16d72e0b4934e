export {
  AgentCoordinationTestingModule,
  AGENT_TESTING_REDIS,
  TESTING_DEFAULTS,
  createMockRedis,
  type AgentCoordinationTestingOptions,
} from './agent-coordination-testing.module';
export {
  AgentTestingClient,
  TEST_SENDER,
  type DeliverOptions,
  type TestMessage,
} from './agent-testing.client';
export {
  createTestingCoordination,
  type TestingCoordination,
  type TestingCoordinationOptions,
} from './create-testing-coordination';
export { useAccurateClock } from './mock-clock';
export { adaptReplyTransformers, type RedisMockCommands } from './mock-reply-context';
