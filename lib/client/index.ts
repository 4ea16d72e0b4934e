// The public client surface. Payload checks and option resolvers are internal.
export { AgentClient } from './agent-client';
export { DEFAULT_CLIENT_TIMEOUT_MS } from './agent-client.options';
export type {
  AgentClientOptions,
  AgentRequestOptions,
  AgentSendOptions,
  AgentTarget,
} from './agent-client.options';
export type { AgentClientPayload } from './agent-client.payload';
