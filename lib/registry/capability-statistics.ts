import { CapabilityStatus, type AgentCapabilitySet } from './models/capability.models';

/** Counts over a list of capability sets. */
export interface CapabilityCounts {
  /** Number of sets counted. */
  capabilitySets: number;
  /** Capabilities in those sets, whatever their status. */
  totalCapabilities: number;
  /** Capabilities whose status is `active`. */
  activeCapabilities: number;
  /** Capabilities per {@link CapabilityType} value; types without any are absent. */
  capabilitiesByType: Record<string, number>;
  /** Mean load; 0 for no sets. */
  averageLoadFactor: number;
}

/** Counts capabilities by status and type and averages the load. Pure. */
export function countCapabilities(sets: readonly AgentCapabilitySet[]): CapabilityCounts {
  const byType: Record<string, number> = {};
  let total = 0;
  let active = 0;
  let load = 0;
  for (const set of sets) {
    load += set.loadFactor;
    for (const capability of set.capabilities) {
      total += 1;
      if (capability.status === CapabilityStatus.ACTIVE) active += 1;
      byType[capability.type] = (byType[capability.type] ?? 0) + 1;
    }
  }
  return {
    capabilitySets: sets.length,
    totalCapabilities: total,
    activeCapabilities: active,
    capabilitiesByType: byType,
    averageLoadFactor: sets.length === 0 ? 0 : load / sets.length,
  };
}
