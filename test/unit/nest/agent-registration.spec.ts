import type { AgentWorker } from '../../../lib/runtime';
import { DEFAULT_CONSUMER_OPTIONS } from '../../../lib';
import type { AgentDefinition } from '../../../lib/nest/discovery/agent.definition';
import type { AgentOptions } from '../../../lib/nest/decorators/agent.decorator';
import { toRegistrableAgent } from '../../../lib/nest/workers/agent.registration';

const status = { running: true, inFlight: 0, received: 3, consecutiveErrors: 0 };
const consumer = { status: () => status } as unknown as AgentWorker;

function definition(instance: object, options: Partial<AgentOptions> = {}): AgentDefinition {
  return {
    agentId: { type: 'reg', instance: 'default' },
    name: 'Registered',
    instance,
    options: { type: 'reg', ...options },
    consumer: DEFAULT_CONSUMER_OPTIONS,
    handlers: [],
  };
}

describe('toRegistrableAgent', () => {
  it('reports the consumer counters under metrics when the agent has no hooks', async () => {
    const registrable = toRegistrableAgent(definition({}), consumer);
    expect(registrable.agentId).toEqual({ type: 'reg', instance: 'default' });
    expect(registrable.name).toBe('Registered');
    expect(await registrable.statusSnapshot()).toEqual({ metrics: status });
    expect(registrable.getCapabilities).toBeUndefined();
    expect(registrable.exportState).toBeUndefined();
    expect(registrable.importState).toBeUndefined();
  });

  it('advertises @Agent({ capabilities }) given as a list or as a set', async () => {
    const list = [{ name: 'summarise', version: '1.0.0', type: 'processing' as const }];
    const fromList = toRegistrableAgent(definition({}, { capabilities: list }), consumer);
    expect(await fromList.getCapabilities!()).toEqual({ capabilities: list });
    const set = { capabilities: list, version: '2' };
    const fromSet = toRegistrableAgent(definition({}, { capabilities: set }), consumer);
    expect(await fromSet.getCapabilities!()).toBe(set);
  });

  it("calls the provider's own hooks on the provider, preferring its getCapabilities()", async () => {
    class Hooked {
      state: Record<string, unknown> = { step: 1 };
      statusSnapshot() {
        return { step: this.state.step };
      }
      getCapabilities() {
        return { capabilities: [{ name: `step-${String(this.state.step)}` }] };
      }
      exportState() {
        return this.state;
      }
      importState(state: Record<string, unknown>) {
        this.state = state;
      }
    }
    const agent = new Hooked();
    const registrable = toRegistrableAgent(
      definition(agent, {
        capabilities: [{ name: 'declared', version: '1.0.0', type: 'generation' }],
      }),
      consumer,
    );
    await registrable.importState!({ step: 2 });
    expect(agent.state).toEqual({ step: 2 });
    expect(await registrable.exportState!()).toEqual({ step: 2 });
    expect(await registrable.getCapabilities!()).toEqual({ capabilities: [{ name: 'step-2' }] });
    expect(await registrable.statusSnapshot()).toEqual({ step: 2, metrics: status });
  });
});
