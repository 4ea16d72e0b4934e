export { Agent } from './agent.decorator';
export type { AgentOptions } from './agent.decorator';
export { OnAgentMessage } from './on-agent-message.decorator';
export type { OnAgentMessageBinding, OnAgentMessageOptions } from './on-agent-message.decorator';
export { AgentContext, AgentPayload } from './agent-params.decorator';
export { InjectCircuitBreaker } from './inject-circuit-breaker.decorator';
export { InjectAgentClient } from './inject-agent-client.decorator';
