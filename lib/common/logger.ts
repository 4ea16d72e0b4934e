/**
 * Where the framework-free core reports what happened off any caller's path: connection
 * trouble, breaker state changes. The Nest module passes one backed by Nest's `Logger`.
 * `warn` and `error` take the error that caused the line, so its stack can be shown.
 *
 * @public
 */
export interface CoordinationLogger {
  /** Routine detail, e.g. a message retried. */
  debug(message: string): void;
  /** Noteworthy but expected, e.g. a connection restored. */
  log(message: string): void;
  /** Needs attention, e.g. Redis unreachable, a dead letter, a breaker opened. */
  warn(message: string, error?: Error): void;
  /** Something failed for good. */
  error(message: string, error?: Error): void;
}

const ignore = (): void => undefined;

/**
 * The core's default: says nothing. A library should not write to the console unless asked
 * to; pass a logger to hear from the core.
 *
 * @public
 */
export const silentLogger: CoordinationLogger = Object.freeze({
  debug: ignore,
  log: ignore,
  warn: ignore,
  error: ignore,
});
