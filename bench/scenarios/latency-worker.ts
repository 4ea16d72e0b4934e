/**
 * Consumer process of the cross-process latency figure (forked by latency.scenario.ts).
 * argv: system name, Redis URL, key prefix, concurrency.
 */
import { SYSTEMS } from '../systems';
import { latencyOf, type WorkerMessage } from './latency.scenario';

async function main(): Promise<void> {
  const [name, redisUrl, prefix, concurrency] = process.argv.slice(2);
  const queue = await SYSTEMS[name].open(redisUrl, prefix);
  const samples: number[] = [];
  const expected = { count: Infinity, reached: () => {} };
  const consumer = await queue.consume(Number(concurrency), (payload) => {
    if (samples.push(latencyOf(payload)) === expected.count) expected.reached();
  });
  const collect = new Promise<number>((resolve) =>
    process.once('message', (message: WorkerMessage) => {
      if (message.type === 'collect') resolve(message.expect);
    }),
  );
  process.send!({ type: 'ready' } satisfies WorkerMessage);
  const expect = await collect;
  if (samples.length < expect) {
    await new Promise<void>((resolve) => {
      expected.count = expect;
      expected.reached = resolve;
    });
  }
  await consumer.stop();
  await queue.close();
  process.send!({ type: 'samples', samples } satisfies WorkerMessage, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
