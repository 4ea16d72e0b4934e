import { CircuitBreakerRegistry } from '../../lib';
import { runCliProcess } from '../support/cli';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

describe('CLI: breakers', () => {
  const prefix = uniquePrefix('cli-breakers');
  const redis = createClient();
  const registry = new CircuitBreakerRegistry(redis, { keyPrefix: prefix, subscribeEvents: false });

  beforeAll(async () => {
    const llm = await registry.get('llm.openai', {
      failureThreshold: 2,
      openTimeoutMs: 600_000,
      recoveryTimeoutMs: 1_200_000,
    });
    for (let i = 0; i < 2; i++) {
      await expect(llm.call(() => Promise.reject(new Error('provider down')))).rejects.toThrow(
        'provider down',
      );
    }
    const search = await registry.get('search');
    await expect(search.call(() => Promise.reject(new Error('one failure')))).rejects.toThrow(
      'one failure',
    );
  });

  afterAll(async () => {
    await registry.close();
    await deleteKeys(redis, prefix);
    await closeClients();
  });

  it('lists every breaker with its shared state and failure count', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'breakers']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+FAILURES\s+LAST CHANGE$/);
    expect(lines[1]).toMatch(/^llm\.openai\s+open\s+\d+\s+\d+s$/);
    expect(lines[2]).toMatch(/^search\s+closed\s+1\s+/);
  });

  it('breakers reset closes an open breaker for every process', async () => {
    const run = await runCliProcess(['--prefix', prefix, 'breakers', 'reset', 'llm.openai']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('breaker llm.openai reset to closed');
    const llm = await registry.get('llm.openai');
    expect(await llm.getState()).toBe('closed');
    await expect(llm.call(() => Promise.resolve('ok'))).resolves.toBe('ok');
    const listed = await runCliProcess(['--prefix', prefix, '--json', 'breakers']);
    const rows = JSON.parse(listed.stdout) as { name: string; state: string; failures: number }[];
    expect(rows.map((r) => [r.name, r.state, r.failures])).toEqual([
      ['llm.openai', 'closed', 0],
      ['search', 'closed', 1],
    ]);
  });

  it('refuses an unknown breaker (exit 1) and a malformed name (exit 2)', async () => {
    const unknown = await runCliProcess(['--prefix', prefix, 'breakers', 'reset', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no breaker named nope');
    const malformed = await runCliProcess(['--prefix', prefix, 'breakers', 'reset', 'a{b}']);
    expect(malformed.code).toBe(2);
  });
});
