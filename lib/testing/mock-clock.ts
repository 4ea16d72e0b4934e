import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/** What `defineCommand` takes on an ioredis (or ioredis-mock) client. */
type CommandDefinition = Parameters<Redis['defineCommand']>[1];

type CommandFunction = (...args: unknown[]) => unknown;

/**
 * Lua run before every script defined on a clock-corrected fake. The caller appends the clock
 * reading (seconds, microseconds) as the last two ARGV entries; the prelude takes them off
 * again, so the script sees its own ARGV, and answers TIME from them.
 */
const PRELUDE = `local __tta_clock = { ARGV[#ARGV - 1], ARGV[#ARGV] }
ARGV[#ARGV] = nil
ARGV[#ARGV] = nil
local __tta_time = function(call)
  return function(command, ...)
    if type(command) == 'string' and string.upper(command) == 'TIME' then
      return { __tta_clock[1], __tta_clock[2] }
    end
    return call(command, ...)
  end
end
redis.call = __tta_time(redis.call)
redis.pcall = __tta_time(redis.pcall)
`;

/** The wall clock never trails this reading of the past: TIME never goes back. */
let lastMicros = 0;

/**
 * The current time in whole microseconds since the epoch, from one reading: the monotonic
 * high-resolution clock anchored at the process start, or the wall clock where the two
 * disagree by a millisecond or more (the system clock was set), and never less than a reading
 * given before.
 */
export function clockMicros(): number {
  const wallMs = Date.now();
  const preciseMs = performance.timeOrigin + performance.now();
  const ms = Math.abs(preciseMs - wallMs) < 1 ? preciseMs : wallMs;
  lastMicros = Math.max(lastMicros, Math.floor(ms * 1000));
  return lastMicros;
}

/** A TIME reply for the current reading: whole seconds and the microseconds within it. */
export function clockReading(): [string, string] {
  const micros = clockMicros();
  return [String(Math.floor(micros / 1e6)), String(micros % 1e6)];
}

/** `args` with the clock reading added before a trailing callback, if there is one. */
function withClock(args: unknown[]): unknown[] {
  const last = args.length - 1;
  return typeof args[last] === 'function'
    ? [...args.slice(0, last), ...clockReading(), args[last]]
    : [...args, ...clockReading()];
}

/**
 * Makes an ioredis-mock client answer `TIME` from one accurate clock, in its own commands and
 * inside the scripts defined on it with `defineCommand` (which the package uses for all of its
 * scripts). ioredis-mock takes TIME's seconds from the wall clock, rounded, and its
 * microseconds from an unrelated monotonic counter, so its readings are off by up to a second
 * and step backwards; every deadline a script computes on it (retry delays, visibility
 * timeouts, heartbeats) would be off by as much. Returns the client.
 *
 * @public
 */
export function useAccurateClock<T extends Redis>(client: T): T {
  const mutable = client as unknown as Record<string, CommandFunction> & {
    customCommands: Record<string, CommandFunction>;
  };
  const defineCommand = client.defineCommand.bind(client);
  mutable.time = (...args: unknown[]) => {
    const callback = args.find((arg): arg is CommandFunction => typeof arg === 'function');
    const reading = clockReading();
    callback?.(null, reading);
    return Promise.resolve(reading);
  };
  client.defineCommand = (name: string, definition: CommandDefinition): void => {
    defineCommand(name, { ...definition, lua: PRELUDE + definition.lua });
    const defined = mutable[name];
    // Pipelines and transactions copy `customCommands` and call them when they execute, so the
    // clock is read then, not when the command was queued.
    const timed: CommandFunction = function (this: unknown, ...args: unknown[]) {
      return defined.apply(this, withClock(args));
    };
    mutable[name] = timed;
    mutable.customCommands[name] = timed;
  };
  return client;
}
