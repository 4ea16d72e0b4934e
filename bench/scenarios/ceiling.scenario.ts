import type Redis from 'ioredis';
import { connect } from '../redis-env';
import { nowMs, rate } from '../stats';
import type { RunContext } from './run-context';

const TRIVIAL_SCRIPT = 'return 1';

/** Round trips our coordinator makes per message (scripts; the one-time index SADD excluded). */
export interface CommandCount {
  /** Per send (send-message). */
  send: number;
  /** Per consumed message (reserve + ack). */
  consume: number;
}

async function withConnections<T>(
  context: RunContext,
  body: (producer: Redis, consumer: Redis, sha: string) => Promise<T>,
): Promise<T> {
  const producer = connect(context.config.redisUrl);
  const consumer = connect(context.config.redisUrl);
  try {
    const sha = (await producer.script('LOAD', TRIVIAL_SCRIPT)) as string;
    return await body(producer, consumer, sha);
  } finally {
    await Promise.all([producer.quit(), consumer.quit()]);
  }
}

/** Ceiling of one-at-a-time enqueue: `send` awaited EVALSHA round trips per message. */
export function ceilingOneByOne(context: RunContext, commands: CommandCount): Promise<number> {
  const count = context.config.enqueueCount;
  return withConnections(context, async (redis, _consumer, sha) => {
    const start = nowMs();
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < commands.send; c++) await redis.evalsha(sha, 0);
    }
    return rate(count, nowMs() - start);
  });
}

/** Ceiling of batched enqueue: batches of concurrent EVALSHA. */
export function ceilingBatched(context: RunContext, commands: CommandCount): Promise<number> {
  const { enqueueCount: count, batchSize } = context.config;
  return withConnections(context, async (redis, _consumer, sha) => {
    const start = nowMs();
    for (let first = 0; first < count; first += batchSize) {
      const size = Math.min(batchSize, count - first) * commands.send;
      await Promise.all(Array.from({ length: size }, () => redis.evalsha(sha, 0)));
    }
    return rate(count, nowMs() - start);
  });
}

/**
 * Ceiling of the end-to-end figure: the same shape of traffic with a trivial script — a
 * producer keeping the same window of sends in flight on one connection, and `concurrency`
 * workers on another each making `consume` awaited round trips per message.
 */
export function ceilingEndToEnd(
  context: RunContext,
  commands: CommandCount,
  concurrency: number,
  count = context.config.endToEndCount[concurrency] ?? 10_000,
): Promise<number> {
  return withConnections(context, async (producer, consumer, sha) => {
    let sent = 0;
    let taken = 0;
    const sendLane = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        for (let c = 0; c < commands.send; c++) await producer.evalsha(sha, 0);
      }
    };
    const consumeLane = async (): Promise<void> => {
      while (taken < count) {
        taken++;
        for (let c = 0; c < commands.consume; c++) await consumer.evalsha(sha, 0);
      }
    };
    const start = nowMs();
    await Promise.all([
      ...Array.from({ length: context.config.producerWindow }, sendLane),
      ...Array.from({ length: concurrency }, consumeLane),
    ]);
    return rate(count, nowMs() - start);
  });
}
