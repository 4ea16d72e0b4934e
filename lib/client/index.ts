export { AgentClient } from './agent-client';
export {
  DEFAULT_CLIENT_TIMEOUT_MS,
  type AgentClientOptions,
  type AgentRequestOptions,
  type AgentSendOptions,
  type AgentTarget,
} from './agent-client.options';
export { assertAgentClientPayload, type AgentClientPayload } from './agent-client.payload';
