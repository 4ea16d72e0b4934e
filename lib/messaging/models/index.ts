export * from '../../common/agent-id';
export * from './agent-message';
export * from './message.enums';
export * from './queue-message';
