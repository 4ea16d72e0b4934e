import { formatAgentId, type AgentId, type ResolvedAgentId } from '../../messaging/models/agent-id';

/** What a capability does. */
export enum CapabilityType {
  PROCESSING = 'processing',
  GENERATION = 'generation',
  ANALYSIS = 'analysis',
  COORDINATION = 'coordination',
  STORAGE = 'storage',
  COMMUNICATION = 'communication',
}

/** How long what a capability produces stays meaningful. */
export enum CapabilityScope {
  SESSION = 'session',
  GLOBAL = 'global',
  INSTANCE = 'instance',
}

/** Lifecycle of a capability. Only `active` ones are discovered unless degraded ones are asked for. */
export enum CapabilityStatus {
  ACTIVE = 'active',
  DEPRECATED = 'deprecated',
  DISABLED = 'disabled',
  EXPERIMENTAL = 'experimental',
}

/** Capability names: lower-case snake case starting with a letter. */
export const CAPABILITY_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** One thing an agent can do. Every field is filled in (see {@link AgentCapabilityInput}). */
export interface AgentCapability {
  /** Matches {@link CAPABILITY_NAME_PATTERN}. */
  name: string;
  type: CapabilityType;
  /** Semantic version, e.g. `1.4.0`. */
  version: string;
  description: string;
  scope: CapabilityScope;
  status: CapabilityStatus;
  /** Inputs the capability needs. */
  requiredInputs: string[];
  /** Inputs it can use. */
  optionalInputs: string[];
  /** JSON schema (or any description) of the output. */
  outputSchema: Record<string, unknown>;
  /** Typical run time. */
  estimatedDurationMs?: number;
  resourceRequirements: Record<string, unknown>;
  /** Semver ranges of callers this capability stays compatible with. */
  compatibleVersions: string[];
  /** Names of capabilities this one relies on. */
  dependencies: string[];
  tags: string[];
  metadata: Record<string, unknown>;
}

/** A capability as callers write it: only `name`, `type` and `version` are required. */
export type AgentCapabilityInput = Pick<AgentCapability, 'name' | 'version'> & {
  type: CapabilityType | `${CapabilityType}`;
  scope?: CapabilityScope | `${CapabilityScope}`;
  status?: CapabilityStatus | `${CapabilityStatus}`;
} & Partial<Omit<AgentCapability, 'name' | 'version' | 'type' | 'scope' | 'status'>>;

/** A capability set as callers write it; defaults fill the rest. */
export interface AgentCapabilitySetInput {
  /** Must name the agent the set is registered for, when given. */
  agentId?: AgentId;
  capabilities: AgentCapabilityInput[];
  /** Semantic version of the set. Default `1.0.0`. */
  version?: string;
  /** Date or ISO-8601 string. Default: now. */
  lastUpdated?: Date | string;
  /** 1–10, higher is preferred by the `priority` strategy. Default 5. */
  priority?: number;
  /** 0 (idle) – 1 (saturated). Default 0. */
  loadFactor?: number;
  /** Whether the agent takes work now. Default true. */
  availability?: boolean;
}

/** The plain JSON form of an {@link AgentCapabilitySet}, as stored in Redis. */
export interface AgentCapabilitySetJson {
  agentId: ResolvedAgentId;
  capabilities: AgentCapability[];
  version: string;
  lastUpdated: string;
  priority: number;
  loadFactor: number;
  availability: boolean;
}

/** Everything one agent can do, with its load and availability. Built by `toCapabilitySet`. */
export class AgentCapabilitySet {
  constructor(
    readonly agentId: ResolvedAgentId,
    readonly capabilities: readonly AgentCapability[],
    readonly version: string,
    readonly lastUpdated: Date,
    readonly priority: number,
    readonly loadFactor: number,
    readonly availability: boolean,
  ) {}

  /** `type/instance` of the agent. */
  get agentKey(): string {
    return formatAgentId(this.agentId);
  }

  /** The capability of that name, if any. */
  getCapability(name: string): AgentCapability | undefined {
    return this.capabilities.find((c) => c.name === name);
  }

  /** Whether a capability of that name exists (whatever its status). */
  hasCapability(name: string): boolean {
    return this.getCapability(name) !== undefined;
  }

  /** Capabilities of one type. */
  byType(type: CapabilityType | `${CapabilityType}`): AgentCapability[] {
    return this.capabilities.filter((c) => c.type === type);
  }

  /** Capabilities whose status is `active`. */
  active(): AgentCapability[] {
    return this.capabilities.filter((c) => c.status === CapabilityStatus.ACTIVE);
  }

  /** The stored form. */
  toJSON(): AgentCapabilitySetJson {
    return {
      agentId: { ...this.agentId },
      capabilities: this.capabilities.map((c) => ({ ...c })),
      version: this.version,
      lastUpdated: this.lastUpdated.toISOString(),
      priority: this.priority,
      loadFactor: this.loadFactor,
      availability: this.availability,
    };
  }
}
