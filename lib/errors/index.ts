export * from './coordination.error';
export * from './validation.error';
export * from './runtime.errors';
export * from './resilience.errors';
export * from './quota.errors';
