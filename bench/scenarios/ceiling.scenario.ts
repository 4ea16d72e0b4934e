import type Redis from 'ioredis';
import { TickBatcher } from '../../lib/common/tick-batcher';
import { connect } from '../redis-env';
import { nowMs, rate } from '../stats';
import type { RunContext } from './run-context';

const TRIVIAL_SCRIPT = 'return 1';

/**
 * One script call as the coordinator makes it: how many keys and which arguments. The ceiling
 * sends calls of the same shape (same key names and argument sizes) to a script that does
 * nothing, so it prices the round trip and the bytes on the wire but none of our work.
 */
export interface CallShape {
  keys: string[];
  args: (string | number)[];
}

/** Script calls our coordinator makes per message (the one-time index SADD excluded). */
export interface CommandCount {
  /** Script calls per send (send-messages). */
  send: number;
  /** Script calls per batch of `batchSize` sends (one send-messages call per recipient). */
  sendBatch: number;
  /** The shape of a one-message send call; a batch call carries its share of the batch. */
  sendShape: CallShape;
  /** The calls per consumed message, in order (the worker's one ack-and-reserve). */
  consume: CallShape[];
  /**
   * The one call that settles several consumers' messages of one turn (the worker's
   * ack-and-reserve-many), shaped for one message: its first `fixed` arguments are shared, the
   * rest repeats per message.
   */
  consumeTogether?: { shape: CallShape; fixed: number };
}

/**
 * The arguments of a call of `shape` that carries `messages` messages: the first `fixed`
 * arguments once, the others once per message.
 */
export function callArgs(
  shape: CallShape,
  messages = 1,
  fixed = 1,
): [number, ...(string | number)[]] {
  const args: [number, ...(string | number)[]] = [
    shape.keys.length,
    ...shape.keys,
    ...shape.args.slice(0, fixed),
  ];
  const perMessage = shape.args.slice(fixed);
  for (let m = 0; m < messages; m++) args.push(...perMessage);
  return args;
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
  const sendArgs = callArgs(commands.sendShape);
  return withConnections(context, async (redis, _consumer, sha) => {
    const start = nowMs();
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < commands.send; c++) await redis.evalsha(sha, ...sendArgs);
    }
    return rate(count, nowMs() - start);
  });
}

/** Ceiling of batched enqueue: `sendBatch` calls per batch, each carrying its share of it. */
export function ceilingBatched(context: RunContext, commands: CommandCount): Promise<number> {
  const { enqueueCount: count, batchSize } = context.config;
  const batchArgs = callArgs(commands.sendShape, Math.ceil(batchSize / commands.sendBatch));
  return withConnections(context, async (redis, _consumer, sha) => {
    const start = nowMs();
    for (let first = 0; first < count; first += batchSize) {
      const pipeline = redis.pipeline();
      for (let c = 0; c < commands.sendBatch; c++) pipeline.evalsha(sha, ...batchArgs);
      await pipeline.exec();
    }
    return rate(count, nowMs() - start);
  });
}

/**
 * Ceiling of the end-to-end figure: the same shape of traffic with a trivial script — a
 * producer keeping the same window of sends in flight on one connection (sends of one turn
 * sharing a call), and `concurrency` consumers on another each making `consume` awaited round
 * trips per message; with `consumeTogether`, the consumers' calls of one turn share one call
 * as the worker's acknowledgements do.
 */
export function ceilingEndToEnd(
  context: RunContext,
  commands: CommandCount,
  concurrency: number,
  count = context.config.endToEndCount[concurrency] ?? 10_000,
): Promise<number> {
  const consumeArgs = commands.consume.map((shape) => callArgs(shape));
  return withConnections(context, async (producer, consumer, sha) => {
    let sent = 0;
    let taken = 0;
    // Sends made in the same turn share one call carrying all of them, as the coordinator's do.
    const sends = new TickBatcher<number, number>(async (items) => {
      const args = callArgs(commands.sendShape, items.length);
      for (let c = 0; c < commands.send; c++) await producer.evalsha(sha, ...args);
      return items;
    });
    const together = commands.consumeTogether;
    const settles = new TickBatcher<number, number>(async (items) => {
      if (together && items.length > 1) {
        await consumer.evalsha(sha, ...callArgs(together.shape, items.length, together.fixed));
        return items;
      }
      await Promise.all(
        items.map(async () => {
          for (const args of consumeArgs) await consumer.evalsha(sha, ...args);
        }),
      );
      return items;
    });
    const sendLane = async (): Promise<void> => {
      while (sent < count) await sends.add(sent++);
    };
    const consumeLane = async (): Promise<void> => {
      while (taken < count) await settles.add(taken++);
    };
    const start = nowMs();
    await Promise.all([
      ...Array.from({ length: context.config.producerWindow }, sendLane),
      ...Array.from({ length: concurrency }, consumeLane),
    ]);
    return rate(count, nowMs() - start);
  });
}
