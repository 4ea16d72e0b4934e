import { keyMemory, usedMemory } from '../redis-env';
import type { QueueSystem } from '../systems';
import { withFreshQueue, type RunContext } from './run-context';

/** Redis memory per waiting message, two ways. */
export interface MemoryFigure {
  /** `used_memory` after minus before, divided by the count (other clients add noise). */
  info: number;
  /** Sum of `MEMORY USAGE` over the run's keys, divided by the count. */
  keys: number;
}

/** Queues `memoryCount` messages with the payload `{ i }` and no consumer, and weighs them. */
export function memoryPerMessage(context: RunContext, system: QueueSystem): Promise<MemoryFigure> {
  const { memoryCount: count, batchSize } = context.config;
  return withFreshQueue(context, system, async (queue, prefix) => {
    const before = await usedMemory(context.admin);
    for (let first = 0; first < count; first += batchSize) {
      const size = Math.min(batchSize, count - first);
      await queue.sendBatch(Array.from({ length: size }, (_, k) => ({ i: first + k })));
    }
    const after = await usedMemory(context.admin);
    return {
      info: (after - before) / count,
      keys: (await keyMemory(context.admin, prefix)) / count,
    };
  });
}
