import {
  Agent,
  AgentContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
  type AgentMessageContext,
  type JsonObject,
  type MessageCoordinator,
} from 'tta-agent-coordination';

declare const coordinator: MessageCoordinator;

// #region orders-agent
@Agent({ type: 'orders' })
export class OrdersAgent {
  @OnAgentMessage({ topic: 'orders.create' }) // REQUESTs and EVENTs on orders.create
  create(@AgentPayload() order: { sku: string }) {
    return { accepted: order.sku };
  }

  @OnAgentMessage(MessageType.EVENT, { topic: 'orders.*' }) // EVENTs on orders.<one segment>
  changed(@AgentPayload() event: JsonObject, @AgentContext() ctx: AgentMessageContext) {
    console.log(ctx.message.routing?.topic, event);
  }

  @OnAgentMessage({ topic: 'audit.#', types: [MessageType.EVENT] }) // audit, audit.x, audit.x.y
  audit(@AgentPayload() entry: JsonObject) {
    console.log('audit', entry);
  }

  @OnAgentMessage(MessageType.EVENT) // EVENTs without a topic, or on one no pattern takes
  other(@AgentPayload() payload: JsonObject) {
    console.log('other', payload);
  }
}

const answer = await coordinator.request(
  { type: 'shop' },
  { type: 'orders' },
  {
    messageType: MessageType.REQUEST,
    payload: { sku: 'A-1' },
    routing: { topic: 'orders.create', tags: [] },
  },
  { timeoutMs: 5_000 },
);
// #endregion
console.log(answer.payload);
