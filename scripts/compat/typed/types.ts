// Copied into each app and type-checked there by `tsc -p` for each of its tsconfig*.json, never
// run: both entry points of the package resolve their types, and the names used here have their
// declared types.
import { AgentCoordinationModule, MessageType, type AgentId } from 'tta-agent-coordination';
import {
  AgentTestingClient,
  TESTING_DEFAULTS,
  createTestingCoordination,
  type TestingCoordination,
} from 'tta-agent-coordination/testing';

const pricing: AgentId = { type: 'pricing' };
const retries: number | undefined = TESTING_DEFAULTS.coordinator?.retryAttempts;

export async function quote(): Promise<string> {
  const coordination: TestingCoordination = await createTestingCoordination({
    imports: [AgentCoordinationModule.forRoot({ connection: 'redis://127.0.0.1:6379' })],
  });
  const client: AgentTestingClient = coordination.client;
  const outcome = await client.deliver(pricing, {
    messageType: MessageType.EVENT,
    payload: { retries: retries ?? 0 },
  });
  await coordination.close();
  return outcome.outcome;
}
