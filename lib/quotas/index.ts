// The public quotas and budgets surface (SPEC §10). Scripts, the waiting line, validation
// and the option resolvers are internal.
export { QuotaRegistry } from './quota-registry';
export type {
  AcquireQuotaOptions,
  QuotaLease,
  QuotaSettlement,
  QuotaUsage,
} from './quota-registry';
export { RedisQuotaRegistry } from './redis-quota-registry';
export { DEFAULT_QUOTA_WINDOW_MS } from './quota.options';
export type { QuotaLimits, QuotaRegistryOptions } from './quota.options';
export { BudgetLedger } from './budget-ledger';
export type { BudgetLevel, BudgetReservation, ReserveBudgetOptions } from './budget-ledger';
export { RedisBudgetLedger } from './redis-budget-ledger';
export type { BudgetLedgerOptions } from './budget.options';
