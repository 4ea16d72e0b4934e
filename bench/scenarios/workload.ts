import type { BenchQueue, Payload } from '../systems';
import { nowMs } from '../stats';

/** Sends `count` messages keeping `window` sends in flight; payloads come from `payload(i)`. */
export async function produceWindowed(
  queue: BenchQueue,
  count: number,
  window: number,
  payload: (index: number) => Payload,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await queue.send(payload(next++));
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/** Sends `count` messages at `perSecond`, each stamped with the monotonic send time. */
export async function producePaced(
  queue: BenchQueue,
  count: number,
  perSecond: number,
): Promise<void> {
  const interval = 1000 / perSecond;
  const start = nowMs();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * interval - nowMs();
    if (wait >= 1) await sleep(wait);
    pending.push(queue.send({ t: nowMs() }));
  }
  await Promise.all(pending);
}

/** A counter that resolves `done` once it reached `target`. */
export function countdown(target: number): { hit: () => void; done: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    hit: () => {
      if (++seen === target) resolve();
    },
    done,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
