export * from './errors';
export * from './messaging';
export * from './registry';
export * from './resilience';
export * from './runtime';
export * from './client';
export * from './nest';
export {
  KeyLayout,
  KEY_LAYOUT_VERSION,
  DEFAULT_KEY_PREFIX,
  type QueueKeys,
  type QuotaKeys,
  type BudgetKeys,
} from './common/key-layout';
export type { RedisClient } from './common/redis-client';
export { validateDto, serialisePayload, type PayloadLimits } from './common/validate';
export { silentLogger, type CoordinationLogger } from './common/logger';
export { waitForRedis, DEFAULT_CONNECT_TIMEOUT_MS } from './common/wait-for-redis';

// Shared LLM quotas and budgets (SPEC §10).
export * from './quotas';
