// The README's "Test your agents without Redis" quotes this file from `readme:start` to
// `readme:end` verbatim (the last test checks it), so the snippet users copy is one that runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  Agent,
  AgentContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
  type AgentMessageContext,
} from '../../../lib';
import { AgentCoordinationTestingModule, AgentTestingClient } from '../../../lib/testing';

@Injectable()
class LlmClient {
  summarise(_text: string, _options: { signal: AbortSignal }): Promise<string> {
    return Promise.reject(new Error('a unit test never calls the real LLM'));
  }
}

@Agent({ type: 'summariser' })
class SummariserAgent {
  constructor(private readonly llm: LlmClient) {}

  @OnAgentMessage(MessageType.REQUEST)
  async summarise(
    @AgentPayload() payload: { text: string },
    @AgentContext() ctx: AgentMessageContext,
  ) {
    const summary = await this.llm.summarise(payload.text, { signal: ctx.signal });
    return { summary };
  }
}

// readme:start
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
// readme:end

describe('the README testing snippet', () => {
  it('is this file, verbatim', () => {
    const source = readFileSync(__filename, 'utf8');
    const snippet = source.slice(
      source.indexOf('// readme:start\n') + '// readme:start\n'.length,
      source.indexOf('// readme:end'),
    );
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(snippet.length).toBeGreaterThan(500);
    expect(readme).toContain(snippet);
  });
});
