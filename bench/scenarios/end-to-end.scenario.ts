import { nowMs, rate } from '../stats';
import type { QueueSystem } from '../systems';
import { withFreshQueue, type RunContext } from './run-context';
import { countdown, produceWindowed } from './workload';

/**
 * Messages per second from the first send to the last acknowledgement, with a producer
 * keeping a window of sends in flight while `concurrency` consumers run a no-op handler.
 */
export function endToEndThroughput(
  context: RunContext,
  system: QueueSystem,
  concurrency: number,
  count = context.config.endToEndCount[concurrency] ?? 10_000,
): Promise<number> {
  return withFreshQueue(context, system, async (queue) => {
    const handled = countdown(count);
    const consumer = await queue.consume(concurrency, handled.hit);
    try {
      const start = nowMs();
      await produceWindowed(queue, count, context.config.producerWindow, (i) => ({ i }));
      await handled.done;
      return rate(count, nowMs() - start);
    } finally {
      await consumer.stop();
    }
  });
}
