interface ModelResponse {
  usage: { total_tokens: number };
}
declare function callTheModel(): Promise<ModelResponse>;
declare function costOf(response: ModelResponse): number;
declare function is429(error: unknown): boolean;
declare function retryAfterMs(error: unknown): number;

// #region quotas
import Redis from 'ioredis';
import { RedisBudgetLedger, RedisQuotaRegistry } from 'tta-agent-coordination';

const redis = new Redis();
const quotas = new RedisQuotaRegistry(redis, { keyPrefix: 'ao' });
quotas.define('openai-main', { requestsPerMinute: 600, tokensPerMinute: 90_000, concurrency: 10 });
const budgets = new RedisBudgetLedger(redis, { keyPrefix: 'ao' });
await budgets.setBudget('acme', 5_000_000); // e.g. micro-dollars

const reservation = await budgets.reserve('acme/conv-7/run-2', 20_000); // BudgetExceededError
const lease = await quotas.acquire('openai-main', { tokens: 1_200, waitMs: 30_000 });
try {
  const response = await callTheModel();
  await lease.settle({ tokens: response.usage.total_tokens });
  await budgets.settle(reservation, costOf(response));
} catch (error) {
  if (is429(error)) await quotas.penalise('openai-main', retryAfterMs(error)); // every process
  await lease.settle({ tokens: 0 });
  await budgets.release(reservation);
  throw error;
}
// #endregion
