import type { AgentCapabilitySetInput } from '../../registry/models/capability.models';
import type { JsonObject, RegistrableAgent } from '../../registry/models/registered-agent';
import type { AgentWorker } from '../../runtime/agent.worker';
import type { AgentDefinition } from '../discovery/agent.definition';

type AgentHooks = Partial<
  Pick<RegistrableAgent, 'statusSnapshot' | 'exportState' | 'importState' | 'getCapabilities'>
>;

/**
 * What the registry stores for an `@Agent()` provider: its id and name, its own
 * `statusSnapshot()` (if any) plus the worker's counters under `metrics` (a volatile
 * field, so counters alone do not publish `status_changed`), and its optional state and
 * capability hooks; `@Agent({ capabilities })` is used when it has no `getCapabilities()`.
 */
export function toRegistrableAgent(
  agent: AgentDefinition,
  worker: Pick<AgentWorker, 'status'>,
): RegistrableAgent {
  const hooks = agent.instance as AgentHooks;
  const registrable: RegistrableAgent = {
    agentId: agent.agentId,
    name: agent.name,
    statusSnapshot: async (): Promise<JsonObject> => ({
      ...((await hooks.statusSnapshot?.call(agent.instance)) ?? {}),
      metrics: { ...worker.status() },
    }),
  };
  const capabilities = capabilitiesOf(agent);
  if (hooks.getCapabilities) {
    registrable.getCapabilities = () => hooks.getCapabilities!.call(agent.instance);
  } else if (capabilities) {
    registrable.getCapabilities = () => capabilities;
  }
  if (hooks.exportState) registrable.exportState = () => hooks.exportState!.call(agent.instance);
  if (hooks.importState)
    registrable.importState = (state) => hooks.importState!.call(agent.instance, state);
  return registrable;
}

function capabilitiesOf(agent: AgentDefinition): AgentCapabilitySetInput | undefined {
  const declared = agent.options.capabilities;
  if (declared === undefined) return undefined;
  return Array.isArray(declared) ? { capabilities: declared } : declared;
}
