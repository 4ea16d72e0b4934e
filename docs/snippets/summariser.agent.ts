// #region agent
import {
  Agent,
  AgentContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
  type AgentMessageContext,
} from 'tta-agent-coordination';
import { LlmClient } from './llm.client';

@Agent({ type: 'summariser' })
export class SummariserAgent {
  constructor(private readonly llm: LlmClient) {}

  @OnAgentMessage(MessageType.REQUEST)
  async summarise(
    @AgentPayload() payload: { text: string },
    @AgentContext() ctx: AgentMessageContext,
  ) {
    const summary = await this.llm.summarise(payload.text, { signal: ctx.signal });
    return { summary }; // acked, and sent back as the RESPONSE to the requester
  }
}
// #endregion
