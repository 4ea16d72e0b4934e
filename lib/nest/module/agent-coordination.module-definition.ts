import { ConfigurableModuleBuilder } from '@nestjs/common';
import type {
  AgentCoordinationModuleExtras,
  AgentCoordinationModuleOptions,
} from './agent-coordination.options';

/**
 * The `forRoot()` / `forRootAsync()` plumbing of {@link AgentCoordinationModule}, built by
 * Nest's `ConfigurableModuleBuilder` over one options type, with `isGlobal` as an extra.
 */
export const {
  ConfigurableModuleClass: AgentCoordinationConfigurableModule,
  /**
   * Injection token of the {@link AgentCoordinationModuleOptions} as given to `forRoot()` or
   * produced by `forRootAsync()`, before defaults are filled in.
   */
  MODULE_OPTIONS_TOKEN: AGENT_COORDINATION_MODULE_OPTIONS,
  OPTIONS_TYPE: AGENT_COORDINATION_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_COORDINATION_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentCoordinationModuleOptions>({
  moduleName: 'AgentCoordination',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAgentCoordinationOptions')
  .setExtras<AgentCoordinationModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/**
 * What `forRoot()` accepts: the module options plus `isGlobal`.
 *
 * @useDeclaredType
 */
export type AgentCoordinationForRootOptions = typeof AGENT_COORDINATION_OPTIONS_TYPE;
/**
 * What `forRootAsync()` accepts: `imports`, `inject`, `useFactory | useClass | useExisting`,
 * `isGlobal`.
 *
 * @useDeclaredType
 */
export type AgentCoordinationForRootAsyncOptions = typeof AGENT_COORDINATION_ASYNC_OPTIONS_TYPE;
