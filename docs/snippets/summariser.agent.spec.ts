// Run as a test by test/unit/testing/readme-testing.spec.ts.
// #region testing
import { Test, type TestingModule } from '@nestjs/testing';
import { MessageType } from 'tta-agent-coordination';
import { AgentCoordinationTestingModule, AgentTestingClient } from 'tta-agent-coordination/testing';
import { LlmClient } from './llm.client';
import { SummariserAgent } from './summariser.agent';

describe('SummariserAgent', () => {
  const fakeLlm = { summarise: (text: string) => Promise.resolve(text.slice(0, 5)) };
  let moduleRef: TestingModule;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [AgentCoordinationTestingModule.forRoot()],
      providers: [SummariserAgent, { provide: LlmClient, useValue: fakeLlm }],
    }).compile();
    await moduleRef.init(); // starts the agents' receive loops
  });

  afterEach(() => moduleRef.close()); // stops them: without it jest does not exit

  it('answers a request with the summary', async () => {
    const client = moduleRef.get(AgentTestingClient);
    const reply = await client.request({ type: 'summariser' }, { text: 'Hello, world' });
    expect(reply).toEqual({ summary: 'Hello' });
  });

  it('dead-letters a request without text after its retries', async () => {
    const outcome = await moduleRef
      .get(AgentTestingClient)
      .deliver(
        { type: 'summariser' },
        { messageType: MessageType.REQUEST, payload: {} },
        { until: 'dead-lettered' },
      );
    expect(outcome.attempt).toBe(4); // the first delivery and retryAttempts (3) retries
  });
});
// #endregion
