import { ValidationError } from '../../../lib/errors';
import {
  checkAgentId,
  decodeAgentRecord,
  diffStatus,
  registrationResult,
  restoreState,
  serverMillis,
  snapshotAgent,
  type AgentSnapshot,
} from '../../../lib/registry/agent-record';
import { toCapabilitySet } from '../../../lib/registry/models/capability.dto';
import { type RegistrableAgent } from '../../../lib/registry/models/registered-agent';
import { rejectionOf } from '../../support/errors';

const id = { type: 'writer', instance: 'a' };
const capability = { name: 'draft_text', type: 'generation' as const, version: '1.2.3' };

function agent(overrides: Partial<RegistrableAgent> = {}): RegistrableAgent {
  return { agentId: id, name: 'Writer', statusSnapshot: () => ({ busy: false }), ...overrides };
}

const failure = (promise: Promise<unknown>) => rejectionOf(ValidationError, promise);

describe('checkAgentId', () => {
  it('fills in the default instance and names the label in errors', () => {
    expect(checkAgentId({ type: 'writer' })).toEqual({ type: 'writer', instance: 'default' });
    expect(() => checkAgentId({ type: 'a b' }, 'who')).toThrow(/Invalid who\.type/);
    expect(() => checkAgentId({ type: 'a b' })).toThrow(/Invalid agentId\.type/);
  });
});

describe('snapshotAgent', () => {
  it('serialises status, exported state and capabilities', async () => {
    const snapshot = await snapshotAgent(
      agent({
        statusSnapshot: () => Promise.resolve({ busy: true }),
        exportState: () => ({ cursor: 3 }),
        getCapabilities: () => ({ capabilities: [capability] }),
      }),
      id,
      10_000,
    );
    expect(snapshot.name).toBe('Writer');
    expect(snapshot.status).toEqual({ busy: true });
    expect(snapshot.statusJson).toBe('{"busy":true}');
    expect(snapshot.stateJson).toBe('{"cursor":3}');
    expect(snapshot.capabilities?.capabilities[0].name).toBe('draft_text');
    expect(snapshot.capabilitiesJson).toBe(JSON.stringify(snapshot.capabilities));
    const key = JSON.parse(snapshot.capabilitiesKey) as Record<string, unknown>;
    expect(key.lastUpdated).toBeNull();
    expect(key.agentId).toEqual(id);
  });

  it('writes empty strings for no state and no capabilities', async () => {
    const plain = await snapshotAgent(agent(), id, 10_000);
    expect(plain).toMatchObject({ stateJson: '', capabilitiesJson: '', capabilitiesKey: '' });
    expect(plain.capabilities).toBeUndefined();
    for (const state of [null, undefined]) {
      const snapshot = await snapshotAgent(
        agent({ exportState: () => state, getCapabilities: () => null }),
        id,
        10_000,
      );
      expect(snapshot.stateJson).toBe('');
      expect(snapshot.capabilitiesJson).toBe('');
    }
  });

  it('prefers an override to what the agent advertises', async () => {
    const override = toCapabilitySet({ capabilities: [{ ...capability, name: 'other' }] }, id);
    const snapshot = await snapshotAgent(
      agent({ getCapabilities: () => ({ capabilities: [capability] }) }),
      id,
      10_000,
      override,
    );
    expect(snapshot.capabilities?.toJSON()).toEqual(override.toJSON());
  });

  it('keeps the previous set when only lastUpdated differs, and takes a changed one', async () => {
    const first = await snapshotAgent(
      agent({
        getCapabilities: () => ({
          capabilities: [capability],
          lastUpdated: '2020-01-01T00:00:00Z',
        }),
      }),
      id,
      10_000,
    );
    const same = await snapshotAgent(
      agent({ getCapabilities: () => ({ capabilities: [capability] }) }),
      id,
      10_000,
      undefined,
      first,
    );
    expect(same.capabilities).toBe(first.capabilities);
    expect(same.capabilitiesJson).toBe(first.capabilitiesJson);
    const changed = await snapshotAgent(
      agent({ getCapabilities: () => ({ capabilities: [capability], priority: 9 }) }),
      id,
      10_000,
      undefined,
      first,
    );
    expect(changed.capabilities).not.toBe(first.capabilities);
    expect(changed.capabilities?.priority).toBe(9);
  });

  it.each<[string, unknown]>([
    ['empty', ''],
    ['too long', 'x'.repeat(257)],
    ['not a string', 42],
  ])('refuses a name that is %s', async (_what, name) => {
    const error = await failure(snapshotAgent(agent({ name: name as string }), id, 10_000));
    expect(error.field).toBe('agent.name');
    expect(error.rule).toBe('length');
    expect(error.message).toContain('must be 1–256 characters');
  });

  it('accepts names of 1 and 256 characters', async () => {
    for (const name of ['x', 'x'.repeat(256)]) {
      expect((await snapshotAgent(agent({ name }), id, 10_000)).name).toBe(name);
    }
  });

  it('names the hook whose output is invalid', async () => {
    const status = await failure(
      snapshotAgent(agent({ statusSnapshot: () => [] as never }), id, 10_000),
    );
    expect(status.field).toBe('agent.statusSnapshot()');
    const state = await failure(
      snapshotAgent(agent({ exportState: () => 'text' as never }), id, 10_000),
    );
    expect(state.field).toBe('agent.exportState()');
    const caps = await failure(
      snapshotAgent(agent({ getCapabilities: () => ({ capabilities: 'x' }) as never }), id, 10_000),
    );
    expect(caps.field).toMatch(/^agent\.getCapabilities\(\)/);
  });

  it('limits status, state and capabilities to maxBytes', async () => {
    const big = { text: 'x'.repeat(200) };
    expect(
      (await failure(snapshotAgent(agent({ statusSnapshot: () => big }), id, 100))).field,
    ).toBe('agent.statusSnapshot()');
    expect((await failure(snapshotAgent(agent({ exportState: () => big }), id, 100))).field).toBe(
      'agent.exportState()',
    );
    const withCaps = agent({
      getCapabilities: () => ({ capabilities: [capability], lastUpdated: '2026-01-01T00:00:00Z' }),
    });
    const { capabilitiesJson } = await snapshotAgent(withCaps, id, 100_000);
    const limit = Buffer.byteLength(capabilitiesJson);
    expect((await snapshotAgent(withCaps, id, limit)).capabilitiesJson).toBe(capabilitiesJson);
    const error = await failure(snapshotAgent(withCaps, id, limit - 1));
    expect(error).toMatchObject({ field: 'agent.getCapabilities()', rule: 'maxRecordBytes' });
    expect(error.message).toContain(`exceeds ${limit - 1} bytes`);
  });

  it('limits nesting to 64 levels', async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 63; i++) deep = { d: deep };
    await expect(
      snapshotAgent(agent({ statusSnapshot: () => deep }), id, 100_000),
    ).resolves.toBeDefined();
    const error = await failure(
      snapshotAgent(agent({ statusSnapshot: () => ({ d: deep }) }), id, 100_000),
    );
    expect(error.rule).toBe('maxPayloadDepth');
  });
});

describe('restoreState', () => {
  it('imports a stored object and says so', async () => {
    const imported: unknown[] = [];
    const restored = await restoreState(
      agent({ importState: (state) => void imported.push(state) }),
      '{"cursor":3}',
      () => undefined,
    );
    expect(restored).toBe(true);
    expect(imported).toEqual([{ cursor: 3 }]);
  });

  it('imports nothing without stored state, without importState, or from what is not an object', async () => {
    const importState = jest.fn();
    for (const stored of [null, '', 'not json', '[1]', 'null', '"text"']) {
      expect(await restoreState(agent({ importState }), stored, () => undefined)).toBe(false);
    }
    expect(importState).not.toHaveBeenCalled();
    expect(await restoreState(agent(), '{"a":1}', () => undefined)).toBe(false);
  });

  it('reports a failing import instead of throwing, wrapping what is not an Error', async () => {
    const errors: Error[] = [];
    const failing = new Error('corrupt');
    expect(
      await restoreState(agent({ importState: () => Promise.reject(failing) }), '{"a":1}', (e) =>
        errors.push(e),
      ),
    ).toBe(false);
    expect(
      await restoreState(
        agent({
          importState: () => {
            // A hook may throw anything; restoreState reports it as an Error.
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw 'plain text';
          },
        }),
        '{"a":1}',
        (e) => errors.push(e),
      ),
    ).toBe(false);
    expect(errors[0]).toBe(failing);
    expect(errors[1]).toBeInstanceOf(Error);
    expect(errors[1].message).toBe('plain text');
  });
});

describe('registrationResult', () => {
  const base: AgentSnapshot = {
    name: 'Writer',
    status: { busy: false },
    statusJson: '{"busy":false}',
    stateJson: '',
    capabilitiesJson: '',
    capabilitiesKey: '',
  };

  it('answers the record just written, alive', () => {
    expect(registrationResult(id, base, 1234, false)).toEqual({
      agentId: id,
      name: 'Writer',
      status: { busy: false },
      lastHeartbeat: 1234,
      alive: true,
      stateRestored: false,
    });
  });

  it('adds state and capabilities when there are any', () => {
    const capabilities = toCapabilitySet({ capabilities: [capability] }, id);
    const result = registrationResult(
      id,
      { ...base, stateJson: '{"cursor":3}', capabilities },
      1,
      true,
    );
    expect(result.state).toEqual({ cursor: 3 });
    expect(result.capabilities).toBe(capabilities);
    expect(result.stateRestored).toBe(true);
  });
});

describe('decodeAgentRecord', () => {
  const hash = { name: 'Writer', status: '{"busy":true}', hb: '1000', ttl: '500' };

  it('builds the agent, alive while now - heartbeat is within the TTL', () => {
    expect(decodeAgentRecord(id, hash, 1500)).toEqual({
      agentId: id,
      name: 'Writer',
      status: { busy: true },
      lastHeartbeat: 1000,
      alive: true,
    });
    expect(decodeAgentRecord(id, hash, 1501)?.alive).toBe(false);
  });

  it('adds readable state and given capabilities', () => {
    const capabilities = toCapabilitySet({ capabilities: [capability] }, id);
    const agentRecord = decodeAgentRecord(id, { ...hash, state: '{"x":1}' }, 0, capabilities);
    expect(agentRecord?.state).toEqual({ x: 1 });
    expect(agentRecord?.capabilities).toBe(capabilities);
    const unreadable = decodeAgentRecord(id, { ...hash, state: '[' }, 0);
    expect(unreadable).not.toHaveProperty('state');
    expect(unreadable).not.toHaveProperty('capabilities');
  });

  it.each<[string, Record<string, string>]>([
    ['no name', { status: '{}', hb: '1', ttl: '1' }],
    ['no status', { name: 'n', hb: '1', ttl: '1' }],
    ['a status that is not an object', { name: 'n', status: '[1]', hb: '1', ttl: '1' }],
    ['no heartbeat', { name: 'n', status: '{}', ttl: '1' }],
    ['no TTL', { name: 'n', status: '{}', hb: '1' }],
  ])('is null for a hash with %s', (_what, record) => {
    expect(decodeAgentRecord(id, record, 0)).toBeNull();
  });

  it('is null for an empty hash', () => {
    expect(decodeAgentRecord(id, {}, 0)).toBeNull();
  });
});

describe('serverMillis', () => {
  it('reads a TIME reply as epoch milliseconds, dropping sub-millisecond parts', () => {
    expect(serverMillis(['1700000000', '123999'])).toBe(1_700_000_000_123);
    expect(serverMillis([2, 1000])).toBe(2001);
  });
});

describe('diffStatus', () => {
  it('lists added, removed and changed fields, ignoring volatile ones and unchanged ones', () => {
    const changes = diffStatus(
      { same: { a: 1 }, changed: 1, removed: true, metrics: 1 },
      { same: { a: 1 }, changed: 2, added: 'x', metrics: 2 },
      new Set(['metrics']),
    );
    expect(changes).toEqual({
      changed: { previous: 1, current: 2 },
      removed: { previous: true, current: undefined },
      added: { previous: undefined, current: 'x' },
    });
  });

  it('is empty when nothing changed', () => {
    expect(diffStatus({ a: [1] }, { a: [1] }, new Set())).toEqual({});
  });
});
