import type { CoordinationLogger } from '../../lib';

/** One line a {@link RecordingLogger} received. */
export interface LoggedLine {
  level: 'debug' | 'log' | 'warn' | 'error';
  message: string;
  error?: Error;
}

/** A {@link CoordinationLogger} that keeps every line, for assertions. */
export class RecordingLogger implements CoordinationLogger {
  readonly lines: LoggedLine[] = [];

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  log(message: string): void {
    this.lines.push({ level: 'log', message });
  }

  warn(message: string, error?: Error): void {
    this.lines.push({ level: 'warn', message, error });
  }

  error(message: string, error?: Error): void {
    this.lines.push({ level: 'error', message, error });
  }

  /** Messages of the lines whose message matches `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.map((line) => line.message).filter((message) => pattern.test(message));
  }
}
