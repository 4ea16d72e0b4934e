import { fork } from 'node:child_process';
import { join } from 'node:path';
import { percentiles, type Percentiles } from '../stats';
import type { Payload, QueueSystem } from '../systems';
import { nowMs } from '../stats';
import { withFreshQueue, type RunContext } from './run-context';
import { countdown, producePaced } from './workload';

/** Latency of one message: monotonic time at the handler minus the time stamped at send. */
export function latencyOf(payload: Payload): number {
  return nowMs() - payload.t;
}

/** Send → handler latency in ms at a steady rate, consumers in the sending process. */
export function latencyInProcess(context: RunContext, system: QueueSystem): Promise<Percentiles> {
  const {
    latencyWarmup: warmup,
    latencyCount: count,
    latencyRate,
    latencyConcurrency,
  } = context.config;
  return withFreshQueue(context, system, async (queue) => {
    const samples: number[] = [];
    const handled = countdown(warmup + count);
    const consumer = await queue.consume(latencyConcurrency, (payload) => {
      samples.push(latencyOf(payload));
      handled.hit();
    });
    try {
      await producePaced(queue, warmup + count, latencyRate);
      await handled.done;
    } finally {
      await consumer.stop();
    }
    return percentiles(samples.slice(warmup));
  });
}

/** Messages between the bench and its forked consumer process. */
export type WorkerMessage =
  { type: 'ready' } | { type: 'samples'; samples: number[] } | { type: 'collect'; expect: number };

/**
 * Send → handler latency in ms at a steady rate, consumers in a forked process. Both
 * processes read CLOCK_MONOTONIC, so the stamps compare across them.
 */
export function latencyCrossProcess(
  context: RunContext,
  system: QueueSystem,
): Promise<Percentiles> {
  const {
    latencyWarmup: warmup,
    latencyCount: count,
    latencyRate,
    latencyConcurrency,
  } = context.config;
  return withFreshQueue(context, system, async (queue, prefix) => {
    const child = fork(
      join(__dirname, 'latency-worker.ts'),
      [system.name, context.config.redisUrl, prefix, String(latencyConcurrency)],
      { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: 'inherit' },
    );
    const next = (): Promise<WorkerMessage> =>
      new Promise((resolve, reject) => {
        child.once('message', (message) => resolve(message as WorkerMessage));
        child.once('exit', (code) => reject(new Error(`latency worker exited with ${code}`)));
      });
    try {
      await next(); // ready
      await producePaced(queue, warmup + count, latencyRate);
      const reply = next();
      child.send({ type: 'collect', expect: warmup + count } satisfies WorkerMessage);
      const message = await reply;
      if (message.type !== 'samples') throw new Error(`unexpected ${message.type}`);
      return percentiles(message.samples.slice(warmup));
    } finally {
      child.removeAllListeners();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
    }
  });
}
