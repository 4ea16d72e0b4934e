// #region registry
import Redis from 'ioredis';
import { RedisAgentRegistry, type RegistrableAgent } from 'tta-agent-coordination';

const registry = new RedisAgentRegistry(new Redis(), { keyPrefix: 'ao', heartbeatTtlMs: 30_000 });

const summariser: RegistrableAgent = {
  agentId: { type: 'summariser', instance: 'eu-1' },
  name: 'Summariser (EU)',
  statusSnapshot: () => ({ status: 'idle' }), // stored on every beat
  getCapabilities: () => ({
    capabilities: [{ name: 'summarize', type: 'generation', version: '1.2.0' }],
    loadFactor: 0.2,
  }),
};
await registry.register(summariser); // stored, indexed, and beating until deregistered

registry.on('expired', (event) => console.warn(`${event.agentId.type} stopped beating`));
const { matches } = await registry.discoverCapabilities({
  criteria: { capabilityName: 'summarize', minVersion: '1.0.0' },
});
console.log(matches.map((m) => `${m.agentId.type}/${m.agentId.instance} ${m.matchScore}`));

await registry.deregister(summariser.agentId);
await registry.close();
// #endregion
