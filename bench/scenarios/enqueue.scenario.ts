import { nowMs, rate } from '../stats';
import type { QueueSystem } from '../systems';
import { withFreshQueue, type RunContext } from './run-context';

/** Messages per second enqueued one at a time, each awaited before the next. */
export function enqueueOneByOne(context: RunContext, system: QueueSystem): Promise<number> {
  const count = context.config.enqueueCount;
  return withFreshQueue(context, system, async (queue) => {
    await queue.send({ i: -1 }); // first use loads scripts and indexes the queue
    const start = nowMs();
    for (let i = 0; i < count; i++) await queue.send({ i });
    return rate(count, nowMs() - start);
  });
}

/** Messages per second enqueued in batches: concurrent sends, or `addBulk`. */
export function enqueueBatched(context: RunContext, system: QueueSystem): Promise<number> {
  const { enqueueCount: count, batchSize } = context.config;
  return withFreshQueue(context, system, async (queue) => {
    await queue.send({ i: -1 });
    const start = nowMs();
    for (let first = 0; first < count; first += batchSize) {
      const size = Math.min(batchSize, count - first);
      await queue.sendBatch(Array.from({ length: size }, (_, k) => ({ i: first + k })));
    }
    return rate(count, nowMs() - start);
  });
}
