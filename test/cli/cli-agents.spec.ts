import { CapabilityType, RedisAgentRegistry } from '../../lib';
import { runCliProcess } from '../support/cli';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';

describe('CLI: agents', () => {
  const prefix = uniquePrefix('cli-agents');
  const redis = createClient();
  // Long-lived agents: alive for the whole file without a heartbeat loop.
  const registry = new RedisAgentRegistry(redis, {
    keyPrefix: prefix,
    heartbeatTtlMs: 120_000,
    autoHeartbeat: false,
    subscribeEvents: false,
  });
  // An agent that lapses after 500 ms and whose record stays readable for a while after.
  const shortLived = new RedisAgentRegistry(redis, {
    keyPrefix: prefix,
    heartbeatTtlMs: 500,
    heartbeatIntervalMs: 100,
    retainExpiredMs: 600_000,
    autoHeartbeat: false,
    subscribeEvents: false,
  });

  beforeAll(async () => {
    await registry.register({
      agentId: { type: 'planner' },
      name: 'Planner',
      statusSnapshot: () => ({ status: 'idle' }),
      getCapabilities: () => ({
        agentId: { type: 'planner' },
        capabilities: [
          { name: 'plan_tasks', type: CapabilityType.COORDINATION, version: '1.0.0' },
          { name: 'split_work', type: CapabilityType.PROCESSING, version: '2.1.0' },
        ],
      }),
    });
    await shortLived.register({
      agentId: { type: 'ghost' },
      name: 'Ghost',
      statusSnapshot: () => ({ status: 'gone' }),
    });
    await registry.register({
      agentId: { type: 'worker', instance: 'w1' },
      name: 'Worker one',
      statusSnapshot: () => ({ status: 'busy' }),
    });
  });

  afterAll(async () => {
    await registry.close();
    await shortLived.close();
    await deleteKeys(redis, prefix);
    await closeClients();
  });

  it('lists every agent with alive, heartbeat age, capability count and status', async () => {
    // The ghost's 500 ms TTL has run out (by the server's clock, as the CLI will read it).
    const lapsed = async () => (await registry.getAgent({ type: 'ghost' }))?.alive === false;
    expect(await eventually(lapsed, 5_000)).toBe(true);
    const run = await runCliProcess(['--prefix', prefix, 'agents']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TYPE\s+INSTANCE\s+NAME\s+ALIVE\s+HEARTBEAT\s+CAPS\s+STATUS$/);
    expect(lines.find((l) => l.startsWith('planner'))).toMatch(
      /^planner\s+default\s+Planner\s+yes\s+\d+s\s+2\s+idle$/,
    );
    expect(lines.find((l) => l.startsWith('ghost'))).toMatch(
      /^ghost\s+default\s+Ghost\s+no\s+\d+s\s+0\s+gone$/,
    );
    expect(lines.find((l) => l.startsWith('worker'))).toMatch(
      /^worker\s+w1\s+Worker one\s+yes\s+\d+s\s+0\s+busy$/,
    );
  });

  it('reports an agent whose heartbeats stopped as not alive, in JSON too', async () => {
    const run = await runCliProcess(['--prefix', prefix, '--json', 'agents']);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as {
      agent: string;
      alive: boolean;
      capabilities: number;
    }[];
    expect(rows.map((r) => [r.agent, r.alive, r.capabilities]).sort()).toEqual([
      ['ghost/default', false, 0],
      ['planner/default', true, 2],
      ['worker/w1', true, 0],
    ]);
  });

  it('refuses a watch period below the minimum with exit code 2', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'agents', '--watch', '5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--watch takes a period of at least 200 ms');
  });
});
