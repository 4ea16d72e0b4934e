export * from './agent.decorator';
export * from './on-agent-message.decorator';
export * from './agent-params.decorator';
export * from './inject-circuit-breaker.decorator';
export * from './inject-agent-client.decorator';
