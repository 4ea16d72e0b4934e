import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster, type ClusterOptions } from 'ioredis';
import { findFreePorts, LOOPBACK, RedisServerProcess } from './redis-server';

const MASTERS = 3;
const READY_TIMEOUT_MS = 20_000;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: READY_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cluster: ${what} did not happen within ${READY_TIMEOUT_MS} ms`);
}

/**
 * A real three-master Redis Cluster of `redis-server` children on loopback ports, no replicas,
 * no persistence. {@link RedisClusterFixture.stop} kills the nodes and removes their directory.
 */
export class RedisClusterFixture {
  private readonly clients: (Cluster | Redis)[] = [];

  private constructor(
    readonly nodes: RedisServerProcess[],
    private readonly dir: string,
  ) {}

  /** Starts the nodes, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
  static async start(): Promise<RedisClusterFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'tta-cluster-'));
    const nodes: RedisServerProcess[] = [];
    const fixture = new RedisClusterFixture(nodes, dir);
    try {
      const ports = await findFreePorts(MASTERS);
      for (const port of ports) {
        nodes.push(
          await RedisServerProcess.start({
            port,
            dir,
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              join(dir, `nodes-${port}.conf`),
              '--cluster-node-timeout',
              '5000',
            ],
          }),
        );
      }
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `${LOOPBACK}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await fixture.waitUntilOk();
    } catch (error) {
      await fixture.stop();
      throw error;
    }
    return fixture;
  }

  /** Ports of the masters. */
  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  /** A new ioredis `Cluster` client, closed by {@link stop}. Resolves once it is ready. */
  async connect(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(
      this.ports.map((port) => ({ host: LOOPBACK, port })),
      {
        scaleReads: 'master',
        ...options,
        redisOptions: { maxRetriesPerRequest: 3, ...options.redisOptions },
      },
    );
    this.clients.push(cluster);
    if (cluster.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        cluster.once('ready', () => resolve());
        cluster.once('error', reject);
      });
    }
    return cluster;
  }

  /** A plain connection to one node, for inspection (which keys live where). */
  node(port: number): Redis {
    const client = new Redis({ host: LOOPBACK, port, maxRetriesPerRequest: 3 });
    this.clients.push(client);
    return client;
  }

  /** Every key on every master matching `pattern`, with the port of the node holding it. */
  async keysByNode(pattern: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const port of this.ports) {
      const client = this.node(port);
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) found.set(key, port);
      } while (cursor !== '0');
      client.disconnect();
    }
    return found;
  }

  /** Closes the clients, kills the nodes and removes the directory. Safe to call twice. */
  async stop(): Promise<void> {
    // A second disconnect() of an ended client leaves a 2 s timer behind in ioredis: skip those.
    await Promise.all(
      this.clients
        .splice(0)
        .filter((client) => client.status !== 'end')
        .map(async (client) => {
          if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
          else client.disconnect();
        }),
    );
    await Promise.all(this.nodes.map((node) => node.destroy()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilOk(): Promise<void> {
    for (const port of this.ports) {
      const client = this.node(port);
      try {
        await until(`node ${port} reporting cluster_state:ok`, async () => {
          const info = await client.cluster('INFO');
          return /cluster_state:ok/.test(info) && /cluster_known_nodes:3/.test(info);
        });
      } finally {
        client.disconnect();
      }
    }
  }
}
