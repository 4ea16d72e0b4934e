import Redis from 'ioredis';
import { assertKeyPrefix } from '../common/validate';
import { parseAgentId, type ResolvedAgentId } from '../common/agent-id';

/** A failure the CLI reports in one line; `exitCode` 2 for bad arguments, 1 otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Global options every command shares. */
export interface GlobalOptions {
  url: string;
  prefix: string;
  json?: boolean;
  /** Print every cell in full even on a terminal. */
  wide?: boolean;
}

/** Where a command writes; swapped in tests. */
export interface Output {
  out(text: string): void;
  isTTY: boolean;
  /** The terminal's width in characters, when known (80 is assumed on a terminal otherwise). */
  columns?: number;
}

/** What a command gets: an open connection, the prefix and the output. */
export interface CliContext {
  redis: Redis;
  prefix: string;
  json: boolean;
  output: Output;
  /**
   * How wide a table may be: the terminal's width on a terminal, unlimited (undefined) when
   * the output is not a terminal or with `--wide`.
   */
  width: number | undefined;
  /** Prints rows as JSON or as the table/text that `human` returns. */
  print(data: unknown, human: () => string): void;
  /** Wraps `text` in an ANSI colour when writing to a terminal. */
  colour(text: string, colour: 'red' | 'green' | 'yellow' | 'dim'): string;
}

const CONNECT_TIMEOUT_MS = 3_000;
const DEFAULT_COLUMNS = 80;
const URL_SCHEMES = 'redis://, rediss:// or unix:// (or a socket path starting with /)';

/**
 * What ioredis is given for a `--url`: `redis://` and `rediss://` URLs and socket paths that
 * start with `/` as they are, `unix:///path` as the path `/path`.
 *
 * @throws CliError (exit 2) for any other scheme, e.g. `http://`; the message names the
 *   scheme, never the rest of the URL (which may hold a password)
 */
export function redisTarget(url: string): string {
  if (/^rediss?:\/\//i.test(url) || url.startsWith('/')) return url;
  const socket = /^unix:\/\/(\/.*)$/i.exec(url);
  if (socket) return socket[1];
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new CliError(
    `--url must be ${URL_SCHEMES}; got ${scheme ? `a ${scheme}: URL` : JSON.stringify(url)}`,
    2,
  );
}
const CODES = { red: 31, green: 32, yellow: 33, dim: 2 } as const;

/**
 * Connects to Redis for one command, failing fast with a one-line reason.
 *
 * @throws CliError when the prefix is invalid (exit 2) or Redis cannot be reached (exit 1)
 */
export async function openContext(options: GlobalOptions, output: Output): Promise<CliContext> {
  try {
    assertKeyPrefix(options.prefix);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const redis = new Redis(redisTarget(options.url), {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError = error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = (
      connectionError ??
      /* istanbul ignore next -- with retryStrategy null ioredis emits 'error' before connect() rejects */
      (error as Error)
    ).message;
    throw new CliError(`cannot reach Redis at ${options.url}: ${reason}`);
  }
  const json = options.json === true;
  return {
    redis,
    prefix: options.prefix,
    json,
    output,
    width: output.isTTY && options.wide !== true ? (output.columns ?? DEFAULT_COLUMNS) : undefined,
    print(data, human) {
      output.out(json ? JSON.stringify(data, null, 2) : human());
    },
    colour(text, colour) {
      return output.isTTY && !json ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
    },
  };
}

/**
 * Reads an agent argument: `type/instance`, or `type` for the default instance.
 *
 * @throws CliError (exit 2) for anything else
 */
export function parseAgentArgument(text: string): ResolvedAgentId {
  const id = parseAgentId(text.includes('/') ? text : `${text}/default`);
  if (!id)
    throw new CliError(
      `not an agent id: ${JSON.stringify(text)} (expected type or type/instance)`,
      2,
    );
  return id;
}
