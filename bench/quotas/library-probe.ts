import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

/** What a probe of rate-limiter-flexible's Redis limiter measured. */
export interface LibraryProbe {
  /** The limit per window the limiter was given. */
  limit: number;
  /** Window length, ms. */
  windowMs: number;
  /** Most requests it admitted within one sliding window of that length. */
  admittedInSlidingWindow: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Asks rate-limiter-flexible's `RateLimiterRedis` for `limit` points per `windowMs`, in two
 * bursts: one just before its fixed window ends and one just after. A sliding-window limiter
 * admits `limit` over both; a fixed window admits up to twice that.
 */
export async function probeFixedWindow(url: string, prefix: string): Promise<LibraryProbe> {
  const redis = new Redis(url);
  const limit = 50;
  const windowMs = 2000;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:rlf-probe`,
    points: limit,
    duration: windowMs / 1000,
  });
  const times: number[] = [];
  const burst = async (): Promise<void> => {
    for (let i = 0; i < limit; i++) {
      const ok = await limiter.consume('k').then(
        () => true,
        () => false,
      );
      if (ok) times.push(Date.now());
    }
  };
  try {
    await limiter.consume('k', 0);
    const res = await limiter.get('k');
    await sleep(Math.max(0, (res?.msBeforeNext ?? 0) - 300));
    await burst();
    await sleep(Math.max(0, ((await limiter.get('k'))?.msBeforeNext ?? 0) + 20));
    await burst();
    let most = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] >= windowMs) i++;
      most = Math.max(most, j - i + 1);
    }
    return { limit, windowMs, admittedInSlidingWindow: most };
  } finally {
    await limiter.delete('k');
    redis.disconnect();
  }
}

if (require.main === module) {
  void probeFixedWindow(
    process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    `bq.${process.pid}`,
  ).then((p) => console.log(JSON.stringify(p)));
}
