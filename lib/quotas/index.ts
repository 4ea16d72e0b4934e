export {
  QuotaRegistry,
  type AcquireQuotaOptions,
  type QuotaLease,
  type QuotaSettlement,
  type QuotaUsage,
} from './quota-registry';
export { RedisQuotaRegistry } from './redis-quota-registry';
export {
  DEFAULT_QUOTA_WINDOW_MS,
  type QuotaLimits,
  type QuotaRegistryOptions,
} from './quota.options';
export { QUOTA_NAME_PATTERN } from './quota.validation';
