export * from './models';
export * from './message-coordinator';
