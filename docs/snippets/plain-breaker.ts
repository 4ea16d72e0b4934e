declare function callTheProvider(): Promise<string>;

// #region breaker
import Redis from 'ioredis';
import { CircuitBreakerRegistry, isCircuitBreakerOpenError } from 'tta-agent-coordination';

const breakers = new CircuitBreakerRegistry(new Redis(), { keyPrefix: 'ao' });
const breaker = await breakers.get('llm-provider', { failureThreshold: 3, openTimeoutMs: 30_000 });

try {
  const answer = await breaker.call(() => callTheProvider());
  console.log(answer);
} catch (error) {
  // Open in one process is open in all: fail fast without calling the provider.
  if (isCircuitBreakerOpenError(error)) console.warn('provider unavailable, try later');
  else throw error;
}
// #endregion
