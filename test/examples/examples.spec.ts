import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const run = promisify(execFile);

async function runExample(file: string, prefix: string): Promise<string> {
  const { stdout } = await run('npx', ['ts-node', '--transpile-only', `examples/${file}`], {
    env: { ...process.env, EXAMPLE_PREFIX: prefix },
    timeout: 120_000,
  });
  return stdout;
}

describe('examples', () => {
  const prefix = uniquePrefix('examples');
  const redis = createClient();

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await closeClients();
  });

  it('plain-node delivers the HIGH message before the LOW one and empties the queue', async () => {
    const out = await runExample('plain-node.ts', `${prefix}:plain`);
    const received = out.split('\n').filter((line) => line.startsWith('received'));
    expect(received).toEqual([
      'received {"step":"high"} from planner (attempts 0)',
      'received {"step":"low"} from planner (attempts 0)',
    ]);
    expect(out).toContain('queue after: {"ready":0,"delayed":0,"reserved":0,"deadLettered":0}');
  });

  it('request-reply gets the computed answer and a typed timeout', async () => {
    const out = await runExample('request-reply.ts', `${prefix}:rr`);
    expect(out).toContain('response {"sum":5} correlation matched');
    expect(out).toContain('unanswered request: timed out');
  });

  it('dead-letter-replay dead-letters after the retries and replays with attempts reset', async () => {
    const out = await runExample('dead-letter-replay.ts', `${prefix}:dlq`);
    expect(out).toContain('delivery 3 failed');
    expect(out).not.toContain('delivery 4 failed');
    expect(out).toContain(
      'dead letter: job {"job":42} after 3 attempts, last error "Error: attempt 3 failed"',
    );
    expect(out).toContain('replayed 1');
    expect(out).toContain('received again with attempts 0');
  });

  it('shared-breaker: failures in one process open the breaker for the other', async () => {
    const out = await runExample('shared-breaker.ts', `${prefix}:breaker`);
    expect(out).toContain('process A: failure 3, state open');
    expect(out).toContain('process B: failed fast, breaker open; provider called: false');
    expect(out).toContain('process B reset it; process A now sees closed');
  });
});
