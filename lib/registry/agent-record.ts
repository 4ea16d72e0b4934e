import { ValidationError } from '../errors';
import { serialisePayload, validateDto } from '../common/validate';
import { AgentIdDto, resolveAgentId, type AgentId, type ResolvedAgentId } from '../common/agent-id';
import { toCapabilitySet } from './models/capability.dto';
import type { AgentCapabilitySet } from './models/capability.models';
import type {
  JsonObject,
  RegisteredAgent,
  RegistrableAgent,
  RegistrationResult,
} from './models/registered-agent';
import type { StatusFieldChange } from './registry.events';

/** Deepest nesting accepted in status snapshots and exported state. */
const MAX_RECORD_DEPTH = 64;
const MAX_NAME_LENGTH = 256;

/**
 * Validates an agent id.
 *
 * @throws ValidationError naming `label.type` or `label.instance`
 */
export function checkAgentId(id: AgentId, label = 'agentId'): ResolvedAgentId {
  return resolveAgentId(validateDto(AgentIdDto, id, label));
}

/** What one beat writes, serialised and validated. */
export interface AgentSnapshot {
  name: string;
  status: JsonObject;
  statusJson: string;
  /** `''` when the agent exports nothing. */
  stateJson: string;
  capabilities?: AgentCapabilitySet;
  /** `''` when the agent advertises nothing. */
  capabilitiesJson: string;
  /** The capability set without `lastUpdated`: what decides whether it changed. */
  capabilitiesKey: string;
}

function capabilityKey(set: AgentCapabilitySet | undefined): string {
  return set ? JSON.stringify({ ...set.toJSON(), lastUpdated: null }) : '';
}

/**
 * Reads everything the agent reports and checks it before anything is written.
 * `override` (from `registerCapabilities`) replaces what `getCapabilities()` returns. When the
 * capabilities equal `previous` ones but for `lastUpdated` (which defaults to now), the
 * previous set is kept, so an unchanged set is not rewritten and cached copies stay valid.
 *
 * @throws ValidationError naming the field
 */
export async function snapshotAgent(
  agent: RegistrableAgent,
  id: ResolvedAgentId,
  maxBytes: number,
  override?: AgentCapabilitySet,
  previous?: AgentSnapshot,
): Promise<AgentSnapshot> {
  const limits = { maxPayloadBytes: maxBytes, maxPayloadDepth: MAX_RECORD_DEPTH };
  const name: unknown = agent.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw new ValidationError('agent.name', 'length', `must be 1–${MAX_NAME_LENGTH} characters`);
  }
  const status = await agent.statusSnapshot();
  const statusJson = serialisePayload(status, 'agent.statusSnapshot()', limits);
  const state = agent.exportState ? await agent.exportState() : undefined;
  const stateJson =
    state === undefined || state === null
      ? ''
      : serialisePayload(state, 'agent.exportState()', limits);
  const advertised = override ?? (agent.getCapabilities ? await agent.getCapabilities() : null);
  let capabilities = advertised
    ? toCapabilitySet(advertised, id, 'agent.getCapabilities()')
    : undefined;
  const capabilitiesKey = capabilityKey(capabilities);
  if (previous && previous.capabilitiesKey === capabilitiesKey) {
    capabilities = previous.capabilities;
  }
  const capabilitiesJson = capabilities ? JSON.stringify(capabilities) : '';
  if (Buffer.byteLength(capabilitiesJson) > maxBytes) {
    throw new ValidationError(
      'agent.getCapabilities()',
      'maxRecordBytes',
      `exceeds ${maxBytes} bytes`,
    );
  }
  const parsed = JSON.parse(statusJson) as JsonObject;
  return {
    name,
    status: parsed,
    statusJson,
    stateJson,
    capabilities,
    capabilitiesJson,
    capabilitiesKey,
  };
}

function parseObject(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hands the state a previous incarnation exported (`stored`, JSON text) to the agent.
 * A failing `importState` is reported, not thrown: a bad saved state must not keep the agent
 * from registering. Returns whether state was imported.
 */
export async function restoreState(
  agent: RegistrableAgent,
  stored: string | null,
  onError: (error: Error) => void,
): Promise<boolean> {
  const state = parseObject(stored ?? undefined);
  if (!state || !agent.importState) return false;
  try {
    await agent.importState(state);
    return true;
  } catch (error) {
    onError(error instanceof Error ? error : new Error(String(error)));
    return false;
  }
}

/** What `register` answers: the record just written. */
export function registrationResult(
  id: ResolvedAgentId,
  snapshot: AgentSnapshot,
  lastHeartbeat: number,
  stateRestored: boolean,
): RegistrationResult {
  const result: RegistrationResult = {
    agentId: id,
    name: snapshot.name,
    status: snapshot.status,
    lastHeartbeat,
    alive: true,
    stateRestored,
  };
  if (snapshot.stateJson) result.state = JSON.parse(snapshot.stateJson) as JsonObject;
  if (snapshot.capabilities) result.capabilities = snapshot.capabilities;
  return result;
}

/**
 * Builds a {@link RegisteredAgent} from an agent hash and the server time; `null` when the
 * hash is missing or was not written by this package.
 */
export function decodeAgentRecord(
  id: ResolvedAgentId,
  hash: Record<string, string>,
  nowMs: number,
  capabilities?: AgentCapabilitySet,
): RegisteredAgent | null {
  const lastHeartbeat = Number(hash.hb);
  const ttl = Number(hash.ttl);
  const status = parseObject(hash.status);
  if (
    hash.name === undefined ||
    !status ||
    !Number.isFinite(lastHeartbeat) ||
    !Number.isFinite(ttl)
  ) {
    return null;
  }
  const agent: RegisteredAgent = {
    agentId: id,
    name: hash.name,
    status,
    lastHeartbeat,
    alive: nowMs - lastHeartbeat <= ttl,
  };
  const state = parseObject(hash.state);
  if (state) agent.state = state;
  if (capabilities) agent.capabilities = capabilities;
  return agent;
}

/** Server time in epoch ms from a `TIME` reply. */
export function serverMillis([seconds, micros]: readonly (string | number)[]): number {
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Top-level fields that differ between two snapshots, ignoring `volatile` ones. */
export function diffStatus(
  previous: JsonObject,
  current: JsonObject,
  volatile: ReadonlySet<string>,
): Record<string, StatusFieldChange> {
  const changes: Record<string, StatusFieldChange> = {};
  for (const field of new Set([...Object.keys(previous), ...Object.keys(current)])) {
    if (volatile.has(field)) continue;
    if (JSON.stringify(previous[field]) !== JSON.stringify(current[field])) {
      changes[field] = { previous: previous[field], current: current[field] };
    }
  }
  return changes;
}
