// Two processes' breakers of the same name share one state through Redis: failures seen by
// one open it for the other, which then fails fast without calling the provider.
// Run: npx ts-node --transpile-only examples/shared-breaker.ts
import Redis from 'ioredis';
import { CircuitBreakerRegistry, isCircuitBreakerOpenError } from '../lib';

async function main(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const keyPrefix = process.env.EXAMPLE_PREFIX ?? 'example';
  // Two connections and two registries stand for two processes.
  const [redisA, redisB] = [new Redis(url), new Redis(url)];
  const processA = new CircuitBreakerRegistry(redisA, { keyPrefix });
  const processB = new CircuitBreakerRegistry(redisB, { keyPrefix });
  const config = { failureThreshold: 3, openTimeoutMs: 60_000, recoveryTimeoutMs: 120_000 };
  const breakerA = await processA.get('llm-provider', config);
  const breakerB = await processB.get('llm-provider', config);

  for (let i = 1; i <= 3; i++) {
    await breakerA
      .call(() => Promise.reject(new Error('503 from provider')))
      .catch(() => undefined);
    console.log(`process A: failure ${i}, state ${await breakerA.getState()}`);
  }
  let called = false;
  try {
    await breakerB.call(() => {
      called = true;
      return Promise.resolve('answer');
    });
  } catch (error) {
    console.log(
      `process B: ${isCircuitBreakerOpenError(error) ? 'failed fast, breaker open' : String(error)}; provider called: ${called}`,
    );
  }
  await breakerB.reset();
  console.log(`process B reset it; process A now sees ${await breakerA.getState()}`);
  await Promise.all([processA.close(), processB.close()]);
  await Promise.all([redisA.quit(), redisB.quit()]);
}

void main();
