import {
  Agent,
  AgentContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
  type AgentMessageContext,
  type MessageCoordinator,
} from 'tta-agent-coordination';

declare const coordinator: MessageCoordinator;

// #region handler-timeout
@Agent({ type: 'researcher' })
export class ResearcherAgent {
  @OnAgentMessage({ topic: 'research.search', timeoutMs: 20_000 })
  async search(@AgentPayload('query') query: string, @AgentContext() ctx: AgentMessageContext) {
    // ctx.signal fires after 20 s, on shutdown, or when the reservation is lost.
    const url = `https://search.example.com/?q=${encodeURIComponent(query)}`;
    const response = await fetch(url, { signal: ctx.signal });
    const results = (await response.json()) as { title: string; url: string }[];
    return { count: results.length, results };
  }
}
// #endregion

// #region deadline
await coordinator.sendMessage(
  { type: 'planner' },
  { type: 'researcher' },
  {
    messageType: MessageType.EVENT,
    payload: { query: 'history of message queues' },
    routing: { topic: 'research.search', tags: [] },
    expiresAt: new Date(Date.now() + 60_000).toISOString(), // worthless after a minute
  },
);
// #endregion
