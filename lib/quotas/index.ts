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
export {
  BudgetLedger,
  type BudgetLevel,
  type BudgetReservation,
  type ReserveBudgetOptions,
} from './budget-ledger';
export { RedisBudgetLedger } from './redis-budget-ledger';
export { MAX_BUDGET_AMOUNT, MAX_BUDGET_DEPTH, type BudgetLedgerOptions } from './budget.options';
