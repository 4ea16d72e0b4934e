import { matchCapabilities } from '../../../lib/registry/capability-matcher';
import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import {
  type AgentCapabilityInput,
  type AgentCapabilitySet,
  type AgentCapabilitySetInput,
} from '../../../lib/registry/models/capability.models';
import { resolveDiscoveryRequest } from '../../../lib/registry/models/discovery.dto';
import {
  MatchingStrategy,
  type CapabilityDiscoveryRequest,
  type CapabilityMatchResult,
} from '../../../lib/registry/models/discovery.models';

/** A capability set of agent `type`/1 offering `caps`, with the set fields of `extra`. */
export function setOf(
  type: string,
  caps: AgentCapabilityInput[],
  extra: Omit<AgentCapabilitySetInput, 'capabilities'> = {},
): AgentCapabilitySet {
  return toCapabilitySet({ ...extra, capabilities: caps }, { type, instance: '1' });
}

/** `type:capability` of each result, in order. */
export const ranking = (results: CapabilityMatchResult[]): string[] =>
  results.map((r) => `${r.agentId.type}:${r.capability.name}`);

/** Matches `request` against `sets` with `strategy` (weighted by default). */
export function run(
  sets: AgentCapabilitySet[],
  request: CapabilityDiscoveryRequest,
  strategy = MatchingStrategy.WEIGHTED,
): CapabilityMatchResult[] {
  return matchCapabilities(sets, resolveDiscoveryRequest(request), { strategy });
}

type SetSpec = Omit<AgentCapabilitySetInput, 'capabilities'> & { caps: AgentCapabilityInput[] };

function set(type: string, spec: SetSpec): AgentCapabilitySet {
  const { caps, ...rest } = spec;
  return toCapabilitySet({ ...rest, capabilities: caps }, { type, instance: '1' });
}

const gen = 'generation' as const;

/**
 * The fixed population the ranking tests pin:
 * - alpha: priority 9, load 0.4, summarize 1.0.0 (2 000 ms, inputs text + max_words, tag nlp)
 * - beta: priority 5, load 0.1, summarize 2.1.0 (500 ms, tags nlp + fast, lang en) and
 *   text_summarize 1.5.0
 * - gamma: overloaded (0.9); delta: unavailable; both offer summarize 1.0.0
 * - eps: priority 3, idle, summarise 1.0.0 (British spelling) and translate 1.0.0
 * - eta: priority 5, load 0.3, summarize 10.0.0 (semver order, not string order)
 * - zeta: priority 5, load 0.2, summarize 1.0.0 deprecated
 */
export function population(): AgentCapabilitySet[] {
  return [
    set('alpha', {
      priority: 9,
      loadFactor: 0.4,
      caps: [
        {
          name: 'summarize',
          type: gen,
          version: '1.0.0',
          estimatedDurationMs: 2000,
          requiredInputs: ['text'],
          optionalInputs: ['max_words'],
          tags: ['nlp'],
        },
      ],
    }),
    set('beta', {
      priority: 5,
      loadFactor: 0.1,
      caps: [
        {
          name: 'summarize',
          type: gen,
          version: '2.1.0',
          estimatedDurationMs: 500,
          requiredInputs: ['document'],
          tags: ['nlp', 'fast'],
          metadata: { lang: 'en' },
        },
        { name: 'text_summarize', type: gen, version: '1.5.0' },
      ],
    }),
    set('gamma', {
      priority: 7,
      loadFactor: 0.9,
      caps: [{ name: 'summarize', type: gen, version: '1.0.0' }],
    }),
    set('delta', {
      priority: 10,
      availability: false,
      caps: [{ name: 'summarize', type: gen, version: '1.0.0' }],
    }),
    set('eps', {
      priority: 3,
      caps: [
        { name: 'summarise', type: gen, version: '1.0.0' },
        { name: 'translate', type: gen, version: '1.0.0' },
      ],
    }),
    set('eta', {
      priority: 5,
      loadFactor: 0.3,
      caps: [{ name: 'summarize', type: gen, version: '10.0.0' }],
    }),
    set('zeta', {
      priority: 5,
      loadFactor: 0.2,
      caps: [{ name: 'summarize', type: gen, version: '1.0.0', status: 'deprecated' }],
    }),
  ];
}
