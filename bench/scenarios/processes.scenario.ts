import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TickBatcher } from '../../lib/common/tick-batcher';
import { removeTranspiled, transpileForChildren } from '../processes/transpile';
import { connect } from '../redis-env';
import { nowMs, rate } from '../stats';
import { SYSTEMS } from '../systems';
import type { CommandCount } from './ceiling.scenario';
import { callArgs } from './ceiling.scenario';
import { withFreshQueue, type RunContext } from './run-context';
import { produceWindowed, sleep } from './workload';

/** What the parent tells a consumer process. */
export type ConsumerCommand =
  | { type: 'start'; system: 'coordinator' | 'bullmq'; redisUrl: string; prefix: string }
  | { type: 'report' }
  | { type: 'stop' }
  | { type: 'ceiling'; redisUrl: string; sha: string; args: (string | number)[]; quota: number }
  | { type: 'exit' };

/** What a consumer process answers. */
export type ConsumerReply =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'report'; handled: number; lastAt: number }
  | { type: 'stopped' }
  | { type: 'ceiling-done'; lastAt: number };

/** How often the parent asks the consumers how far they got, once every message is sent. */
const REPORT_INTERVAL_MS = 50;

/** One forked consumer process: commands in, one reply per command, in order. */
class ConsumerProcess {
  private readonly waiting: {
    resolve: (reply: ConsumerReply) => void;
    reject: (error: Error) => void;
  }[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: ConsumerReply) => this.waiting.shift()?.resolve(reply));
    child.on('exit', (code) => {
      for (const waiting of this.waiting.splice(0)) {
        waiting.reject(new Error(`consumer process exited with ${code}`));
      }
    });
  }

  ask(command: ConsumerCommand): Promise<ConsumerReply> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.send(command);
    });
  }
}

/**
 * `size` consumer processes, started once (from JavaScript transpiled for them) and reused by
 * every measurement of the many-processes row: each runs one consumer of concurrency 1 with
 * connections of its own.
 */
export class ConsumerPool {
  private constructor(
    private readonly processes: ConsumerProcess[],
    private readonly out: string,
  ) {}

  static async start(size: number): Promise<ConsumerPool> {
    const out = transpileForChildren();
    const script = join(out, 'bench', 'scenarios', 'consumer-process.js');
    const processes: ConsumerProcess[] = [];
    // In groups, so that fifty start-ups do not all fight for the CPU at once.
    for (let first = 0; first < size; first += 10) {
      const group = Array.from({ length: Math.min(10, size - first) }, () => {
        // Plain node: the bench's own ts-node is not needed for transpiled code.
        const child = fork(script, [], {
          execArgv: [],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        // The first message says the process is ready; replies to commands come after it.
        const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
        return ready.then(() => {
          processes.push(new ConsumerProcess(child));
        });
      });
      await Promise.all(group);
    }
    return new ConsumerPool(processes, out);
  }

  get size(): number {
    return this.processes.length;
  }

  /** Runs `command` in every process; resolves to their replies. */
  all(command: ConsumerCommand): Promise<ConsumerReply[]> {
    return Promise.all(this.processes.map((process) => process.ask(command)));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.processes.map(
        (process) =>
          new Promise<void>((resolve) => {
            if (process.child.exitCode !== null) return resolve();
            process.child.once('exit', () => resolve());
            process.child.send({ type: 'exit' } satisfies ConsumerCommand);
          }),
      ),
    );
    removeTranspiled(this.out);
  }
}

/**
 * Messages per second with every process of `pool` consuming (concurrency 1 each) while this
 * process produces with the usual window; the clock stops at the last handler call in any of
 * them (the processes share CLOCK_MONOTONIC).
 */
export function endToEndProcesses(
  context: RunContext,
  system: 'coordinator' | 'bullmq',
  pool: ConsumerPool,
  count: number,
): Promise<number> {
  return withFreshQueue(context, SYSTEMS[system], async (queue, prefix) => {
    const redisUrl = context.config.redisUrl;
    await pool.all({ type: 'start', system, redisUrl, prefix });
    try {
      const start = nowMs();
      await produceWindowed(queue, count, context.config.producerWindow, (i) => ({ i }));
      for (;;) {
        const reports = (await pool.all({ type: 'report' })) as Extract<
          ConsumerReply,
          { type: 'report' }
        >[];
        if (reports.reduce((sum, r) => sum + r.handled, 0) >= count) {
          return rate(count, Math.max(...reports.map((r) => r.lastAt)) - start);
        }
        await sleep(REPORT_INTERVAL_MS);
      }
    } finally {
      await pool.all({ type: 'stop' });
    }
  });
}

/**
 * The ceiling of the many-processes figure: this process makes the producer's calls to a
 * script that does nothing (the sends of one turn sharing a call), while each process of
 * `pool` makes its share of the consumers' calls, one awaited call per message on its own
 * connection.
 */
export async function ceilingProcesses(
  context: RunContext,
  commands: CommandCount,
  pool: ConsumerPool,
  count: number,
): Promise<number> {
  const producer = connect(context.config.redisUrl);
  try {
    const sha = (await producer.script('LOAD', 'return 1')) as string;
    const consumeArgs = callArgs(commands.consume[0]);
    const sends = new TickBatcher<number, number>(async (items) => {
      await producer.evalsha(sha, ...callArgs(commands.sendShape, items.length));
      return items;
    });
    let sent = 0;
    const sendLane = async (): Promise<void> => {
      while (sent < count) await sends.add(sent++);
    };
    const quota = Math.ceil(count / pool.size);
    const start = nowMs();
    const [replies, producedAt] = await Promise.all([
      pool.all({
        type: 'ceiling',
        redisUrl: context.config.redisUrl,
        sha,
        args: consumeArgs,
        quota,
      }),
      Promise.all(Array.from({ length: context.config.producerWindow }, sendLane)).then(nowMs),
    ]);
    const end = Math.max(
      producedAt,
      ...replies.map((reply) => (reply.type === 'ceiling-done' ? reply.lastAt : 0)),
    );
    return rate(quota * pool.size, end - start);
  } finally {
    await producer.quit();
  }
}
