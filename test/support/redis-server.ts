import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';

/** Loopback only: no fixture ever listens elsewhere. */
export const LOOPBACK = '127.0.0.1';

const READY_LINE = /Ready to accept connections/;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running when the test process leaves, even after a failed test. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, LOOPBACK, () => probe.close(() => resolve(true)));
  });
}

/**
 * Finds `count` consecutive free loopback ports in [7100, 7999] (and their cluster bus ports,
 * +10 000), starting at a random place so that concurrent test runs rarely collide.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 7100 + Math.floor(Math.random() * (900 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const port of ports) {
      if (!(await canListen(port)) || !(await canListen(port + 10_000))) {
        free = false;
        break;
      }
    }
    if (free) return ports;
  }
  throw new Error('no free loopback ports in 7100-7999');
}

/**
 * A client of a loopback port nothing listens on: every command fails at once, and it never
 * retries (unless `overrides` say otherwise). Disconnect it when done.
 */
export async function unreachableClient(overrides: RedisOptions = {}): Promise<Redis> {
  const [port] = await findFreePorts(1);
  return new Redis(`redis://${LOOPBACK}:${port}`, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    ...overrides,
  });
}

/** Options of {@link RedisServerProcess.start}. */
export interface RedisServerOptions {
  /** Port on 127.0.0.1; a free one when left out. */
  port?: number;
  /** Working directory (AOF, nodes.conf); a new temporary one, removed on destroy, when left out. */
  dir?: string;
  /** Extra `redis-server` arguments, e.g. `['--appendonly', 'yes']`. */
  args?: string[];
}

/**
 * A `redis-server` child process on loopback, for tests that crash, restart or cut Redis.
 * Persistence is off unless `args` turn it on.
 */
export class RedisServerProcess {
  private child: ChildProcess | undefined;
  private log = '';
  private readonly clients: Redis[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly args: string[],
  ) {}

  /** Starts a server and waits until it accepts connections. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const port = options.port ?? (await findFreePorts(1))[0];
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), `tta-redis-${port}-`));
    const server = new RedisServerProcess(port, dir, !options.dir, options.args ?? []);
    try {
      await server.spawn();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Server output so far, for failure messages. */
  get output(): string {
    return this.log;
  }

  /** A new ioredis connection to this server, closed by {@link destroy}. */
  connect(options: RedisOptions = {}): Redis {
    const client = new Redis({ host: LOOPBACK, port: this.port, ...options });
    this.clients.push(client);
    return client;
  }

  /** Stops the process (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Stops and starts the server again on the same port and directory. */
  async restart(signal: NodeJS.Signals = 'SIGTERM', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.spawn();
  }

  /** Closes the clients made here, kills the process and removes a directory it created. */
  async destroy(): Promise<void> {
    // A second disconnect() of an ended client leaves a 2 s timer behind in ioredis: skip those.
    for (const client of this.clients.splice(0)) if (client.status !== 'end') client.disconnect();
    await this.stop('SIGKILL');
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(): Promise<void> {
    installExitHook();
    const args = [
      '--port',
      String(this.port),
      '--bind',
      LOOPBACK,
      '--dir',
      this.dir,
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      '',
      ...(this.args.includes('--appendonly') ? [] : ['--appendonly', 'no']),
      ...this.args,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server on ${this.port} did not start:\n${this.log}`));
      }, START_TIMEOUT_MS);
      let seen = '';
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        seen = (seen + text).slice(-200);
        this.log = (this.log + text).slice(-20_000);
        if (READY_LINE.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on ${this.port} exited (${code ?? signal}):\n${this.log}`));
      });
    });
  }
}
