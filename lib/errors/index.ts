export * from './coordination.error';
export * from './validation.error';
export * from './runtime.errors';
export * from './resilience.errors';
export * from './handler.errors';
export * from './connection.errors';
export * from './quota.errors';
