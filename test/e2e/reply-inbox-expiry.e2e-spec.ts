import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  AgentWorker,
  RedisMessageCoordinator,
  silentLogger,
  type AgentMessageHandler,
} from '../../lib';
import { REPLY_INBOX_TYPE } from '../../lib/messaging/reply-inbox';
import {
  REDIS_URL,
  closeClients,
  createClient,
  deleteKeys,
  describeRealRedis,
  uniquePrefix,
} from '../support/redis';
import { waitFor } from '../support/wait';

/**
 * A process that made requests is killed while one waits for its answer; the answer comes
 * after it died. Its reply inbox is gone from Redis, and was never in `queues`, within the
 * inbox time to live.
 */

const FIXTURE = join(__dirname, 'fixtures', 'requester-process.ts');
const TTL_MS = 1_500;

describeRealRedis('reply inbox of a killed process', () => {
  const prefix = uniquePrefix('inbox-killed');
  const client = createClient();
  const coordinator = new RedisMessageCoordinator(client, {
    keyPrefix: prefix,
    replyInboxTtlMs: TTL_MS,
  });
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let secondStarted = false;
  const handle: AgentMessageHandler = async (payload) => {
    if (payload.n === 2) {
      secondStarted = true;
      await released;
    }
    return { answer: payload.n };
  };
  const worker = new AgentWorker(
    coordinator,
    { agent: { type: 'inbox-responder' }, receiveWaitMs: 100, logger: silentLogger },
    handle,
  );

  afterAll(async () => {
    release();
    await worker.close();
    await coordinator.close();
    await deleteKeys(client, prefix);
    await closeClients();
  });

  /** Keys of the inbox that exist now, with their PTTL. */
  async function inboxKeys(instance: string): Promise<Map<string, number>> {
    const keys = await client.keys(`${prefix}:{${REPLY_INBOX_TYPE}/${instance}}:*`);
    const found = new Map<string, number>();
    for (const key of keys) found.set(key, await client.pttl(key));
    return found;
  }

  it('its keys expire, a late answer included, and queues never lists it', async () => {
    worker.start();
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', FIXTURE], {
      env: {
        ...process.env,
        REDIS_URL,
        KEY_PREFIX: prefix,
        AGENT_TYPE: 'inbox-responder',
        INBOX_TTL_MS: String(TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    await waitFor(
      'the child waiting on its second request',
      () => (lines.includes('waiting') && secondStarted ? true : undefined),
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; child stderr:\n${stderr}`);
    });
    const instance = lines.find((l) => l.startsWith('inbox '))!.split('/')[1];
    expect((await inboxKeys(instance)).size).toBeGreaterThan(0);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The answer to the dead process lands in its inbox, with a time to live.
    release();
    const late = await waitFor(
      'the late answer in the dead inbox',
      async () => {
        const keys = await inboxKeys(instance);
        const bodies = [...keys.keys()].find((key) => key.endsWith(':q:bodies'));
        return bodies ? keys : undefined;
      },
      10_000,
    );
    for (const [key, ttl] of late) expect([key, ttl > 0 && ttl <= TTL_MS]).toEqual([key, true]);

    const listed = await coordinator.listQueues();
    expect(listed.map((q) => q.type)).not.toContain(REPLY_INBOX_TYPE);
    // Gone within the time to live (and a margin for a loaded machine), not left for good.
    await waitFor(
      'the inbox keys gone',
      async () => ((await inboxKeys(instance)).size === 0 ? true : undefined),
      TTL_MS + 5_000,
    );
    expect(await client.smembers(`${prefix}:queues`)).not.toContain(
      `${REPLY_INBOX_TYPE}/${instance}`,
    );
  });
});
