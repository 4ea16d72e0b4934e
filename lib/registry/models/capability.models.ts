import { formatAgentId, type AgentId, type ResolvedAgentId } from '../../common/agent-id';

/**
 * What a capability does.
 *
 * @public
 */
export enum CapabilityType {
  /** Transforms or computes over input data. */
  PROCESSING = 'processing',
  /** Produces new content. */
  GENERATION = 'generation',
  /** Examines input and reports findings. */
  ANALYSIS = 'analysis',
  /** Organises the work of other agents. */
  COORDINATION = 'coordination',
  /** Keeps and retrieves data. */
  STORAGE = 'storage',
  /** Exchanges messages with people or other systems. */
  COMMUNICATION = 'communication',
}

/**
 * How long what a capability produces stays meaningful.
 *
 * @public
 */
export enum CapabilityScope {
  /** Within one session. The default. */
  SESSION = 'session',
  /** Everywhere, across sessions and agent instances. */
  GLOBAL = 'global',
  /** Only on the agent instance that produced it. */
  INSTANCE = 'instance',
}

/**
 * Lifecycle of a capability. Only `active` ones are discovered unless degraded ones are asked for.
 *
 * @public
 */
export enum CapabilityStatus {
  /** In service. The default, and the only status discovered unless degraded ones are asked for. */
  ACTIVE = 'active',
  /** Being phased out: discovered only with `includeDegraded`, its score scaled by 0.9. */
  DEPRECATED = 'deprecated',
  /** Switched off: never discovered. */
  DISABLED = 'disabled',
  /** Not yet stable: discovered only with `includeDegraded`, its score scaled by 0.9. */
  EXPERIMENTAL = 'experimental',
}

/** Capability names: lower-case snake case starting with a letter. */
export const CAPABILITY_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * One thing an agent can do. Every field is filled in (see {@link AgentCapabilityInput}).
 *
 * @public
 */
export interface AgentCapability {
  /** Lower-case snake case starting with a letter: `^[a-z][a-z0-9_]*$`. */
  name: string;
  /** What kind of work it does; matched by `capabilityType`. */
  type: CapabilityType;
  /** Semantic version, e.g. `1.4.0`. */
  version: string;
  /** Free text for people. Default `''`. */
  description: string;
  /** Default `session`. */
  scope: CapabilityScope;
  /** Default `active`; decides whether discovery considers the capability. */
  status: CapabilityStatus;
  /** Inputs the capability needs. */
  requiredInputs: string[];
  /** Inputs it can use. */
  optionalInputs: string[];
  /** JSON schema (or any description) of the output. */
  outputSchema: Record<string, unknown>;
  /** Typical run time. */
  estimatedDurationMs?: number;
  /** What it needs to run (any JSON object); stored, not interpreted. Default `{}`. */
  resourceRequirements: Record<string, unknown>;
  /** Semver ranges of callers this capability stays compatible with. */
  compatibleVersions: string[];
  /** Names of capabilities this one relies on. */
  dependencies: string[];
  /** Labels that `requiredTags` must all find. Default `[]`. */
  tags: string[];
  /** Any JSON entries, matched by `metadataFilters`. Default `{}`. */
  metadata: Record<string, unknown>;
}

/**
 * A capability as callers write it: only `name`, `type` and `version` are required.
 *
 * @public
 */
export type AgentCapabilityInput = Pick<AgentCapability, 'name' | 'version'> & {
  /** What kind of work it does, as the enum or its string value. */
  type: CapabilityType | `${CapabilityType}`;
  /** Default `session`. */
  scope?: CapabilityScope | `${CapabilityScope}`;
  /** Default `active`. */
  status?: CapabilityStatus | `${CapabilityStatus}`;
} & Partial<Omit<AgentCapability, 'name' | 'version' | 'type' | 'scope' | 'status'>>;

/**
 * A capability set as callers write it; defaults fill the rest.
 *
 * @public
 */
export interface AgentCapabilitySetInput {
  /** Must name the agent the set is registered for, when given. */
  agentId?: AgentId;
  /** The capabilities, at most 1 024, with unique names. */
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

/**
 * The plain JSON form of an {@link AgentCapabilitySet}, as stored in Redis.
 *
 * @public
 */
export interface AgentCapabilitySetJson {
  /** The agent the set belongs to. */
  agentId: ResolvedAgentId;
  /** The capabilities, every field filled in. */
  capabilities: AgentCapability[];
  /** Semantic version of the set. */
  version: string;
  /** ISO-8601 time the set was last updated. */
  lastUpdated: string;
  /** 1–10, higher is preferred by the `priority` strategy. */
  priority: number;
  /** 0 (idle) – 1 (saturated). */
  loadFactor: number;
  /** Whether the agent takes work now. */
  availability: boolean;
}

/**
 * Everything one agent can do, with its load and availability. The registry builds it from an
 * {@link AgentCapabilitySetInput}, validated and with the defaults filled in.
 *
 * @public
 */
export class AgentCapabilitySet {
  constructor(
    /** The agent the set belongs to. */
    readonly agentId: ResolvedAgentId,
    /** The capabilities, every field filled in. */
    readonly capabilities: readonly AgentCapability[],
    /** Semantic version of the set. Default `1.0.0`. */
    readonly version: string,
    /** When the set was last updated. Default: when it was built. */
    readonly lastUpdated: Date,
    /** 1–10, higher is preferred by the `priority` strategy. Default 5. */
    readonly priority: number,
    /** 0 (idle) – 1 (saturated); agents above `maxLoadFactor` are skipped. Default 0. */
    readonly loadFactor: number,
    /** Whether the agent takes work now; by default discovery skips it when not. Default true. */
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
