import { Logger } from '@nestjs/common';
import type { CoordinationLogger } from '../../common/logger';

/** The Nest `Logger` context of every line the module writes. */
export const AGENT_COORDINATION_LOG_CONTEXT = 'AgentCoordination';

/** `message`, followed by the error's stack when there is one (Nest's `warn` has no stack argument). */
export function withStack(message: string, error?: unknown): string {
  return error instanceof Error && error.stack ? `${message}\n${error.stack}` : message;
}

/**
 * The core's {@link CoordinationLogger} on Nest's `Logger`, so the core's lines go wherever
 * the application sends its logs (`app.useLogger()`), under the module's context.
 */
export function createNestCoordinationLogger(
  logger: Logger = new Logger(AGENT_COORDINATION_LOG_CONTEXT),
): CoordinationLogger {
  return {
    debug: (message) => logger.debug(message),
    log: (message) => logger.log(message),
    warn: (message, error) => logger.warn(withStack(message, error)),
    error: (message, error) => logger.error(message, error?.stack),
  };
}
