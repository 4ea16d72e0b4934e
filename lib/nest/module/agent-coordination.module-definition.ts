import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type {
  AgentCoordinationModuleExtras,
  AgentCoordinationModuleOptions,
} from './agent-coordination.options';

/**
 * The `forRoot()` / `forRootAsync()` plumbing of {@link AgentCoordinationModule}, built by
 * Nest's `ConfigurableModuleBuilder` over one options type, with `isGlobal` as an extra.
 */
const definition = new ConfigurableModuleBuilder<AgentCoordinationModuleOptions>({
  moduleName: 'AgentCoordination',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAgentCoordinationOptions')
  .setExtras<AgentCoordinationModuleExtras>({ isGlobal: false }, (dynamicModule, extras) => ({
    ...dynamicModule,
    global: extras.isGlobal,
  }))
  .build();

/**
 * The base class of {@link AgentCoordinationModule}: its `forRoot()` and `forRootAsync()`.
 *
 * @internal
 */
export const AgentCoordinationConfigurableModule = definition.ConfigurableModuleClass;

/**
 * Injection token of the {@link AgentCoordinationModuleOptions} as given to `forRoot()` or
 * produced by `forRootAsync()`, before defaults are filled in.
 *
 * @public
 */
export const AGENT_COORDINATION_MODULE_OPTIONS: string | symbol = definition.MODULE_OPTIONS_TOKEN;

/**
 * What `forRoot()` accepts: the module options plus `isGlobal`.
 *
 * @public
 */
export type AgentCoordinationForRootOptions = AgentCoordinationModuleOptions &
  Partial<AgentCoordinationModuleExtras>;

/**
 * What `forRootAsync()` accepts: `imports`, `inject`, `useFactory | useClass | useExisting`
 * (a provider with `createAgentCoordinationOptions()`), `isGlobal`.
 *
 * @public
 */
export type AgentCoordinationForRootAsyncOptions = ConfigurableModuleAsyncOptions<
  AgentCoordinationModuleOptions,
  'createAgentCoordinationOptions'
> &
  Partial<AgentCoordinationModuleExtras>;
