import type { AgentCapabilitySetInput, RegistrableAgent } from '../../../lib/registry';
import type { AgentId } from '../../../lib/common/agent-id';
import type { JsonObject } from '../../../lib/messaging/models/agent-message';

/** A scriptable agent for registry tests (also used by test/integration/registry*.spec.ts). */
export class TestAgent implements RegistrableAgent {
  status = 'idle';
  beats = 0;
  state: JsonObject | undefined;
  imported: JsonObject[] = [];
  capabilities: AgentCapabilitySetInput | undefined;

  constructor(
    readonly agentId: AgentId,
    readonly name = `agent ${agentId.type}`,
  ) {}

  statusSnapshot(): JsonObject {
    this.beats += 1;
    // `metrics` changes on every beat; the registry must not report it as a status change.
    return { status: this.status, metrics: { beats: this.beats } };
  }

  exportState(): JsonObject | undefined {
    return this.state;
  }

  importState(state: JsonObject): void {
    this.imported.push(state);
    this.state = { ...state };
  }

  getCapabilities(): AgentCapabilitySetInput | undefined {
    return this.capabilities;
  }
}
