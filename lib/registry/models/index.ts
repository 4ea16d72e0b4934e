export * from './capability.models';
export * from './capability.dto';
export * from './discovery.models';
export * from './discovery.dto';
export type {
  MaybePromise,
  RegistrableAgent,
  RegisteredAgent,
  RegistrationResult,
} from './registered-agent';
export { IsSemverVersion, IsSemverRange, IsDateOrIsoString } from './registry.validators';
