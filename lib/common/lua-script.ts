import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './redis-client';

/** A Lua script file, registered on a client under a package-scoped command name. */
export interface LuaScript {
  /** Command name on the client, e.g. `tta_send_message`. */
  readonly command: string;
  /** Number of KEYS the script takes. */
  readonly keys: number;
  /** Script source. */
  readonly lua: string;
}

const KEY_COUNT = /-(\d+)\.lua$/;
const INCLUDE = /^--#include (\S+\.lua)$/gm;

/** Reads a Lua file with every `--#include <file>` line replaced by that file, recursively. */
function readLua(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_line, included: string) =>
    readLua(dir, included),
  );
}

/**
 * Loads `<dir>/<file>`; the key count comes from the file name (`send-messages-7.lua` takes 7).
 * `--#include <file>` lines are replaced by that file of the same folder, so scripts share
 * fragments and combined operations reuse single-operation scripts instead of copying them.
 */
export function loadLuaScript(dir: string, file: string): LuaScript {
  const match = KEY_COUNT.exec(file);
  if (!match) throw new Error(`Script file ${file} does not end in -<keys>.lua`);
  const name = file.replace(KEY_COUNT, '').replace(/-/g, '_');
  return {
    command: `tta_${name}`,
    keys: Number(match[1]),
    lua: readLua(dir, file),
  };
}

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

const defined = new WeakMap<object, Set<string>>();

/** Defines `script` on `client` once; afterwards the client and its pipelines can run it. */
function defineOnce(client: RedisClient, script: LuaScript): void {
  let names = defined.get(client);
  if (!names) {
    names = new Set();
    defined.set(client, names);
  }
  if (!names.has(script.command)) {
    client.defineCommand(script.command, { numberOfKeys: script.keys, lua: script.lua });
    names.add(script.command);
  }
}

/**
 * Runs a script on `client`, defining it there on first use (ioredis then sends EVALSHA and
 * falls back to EVAL after a script-cache flush).
 */
export function runLuaScript(
  client: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  defineOnce(client, script);
  const command = (client as unknown as Record<string, ScriptCommand>)[script.command];
  return command.call(client, ...keys, ...args);
}

/** The reply of one call in a {@link runLuaScriptBatch}, or its error. */
export interface ScriptOutcome {
  reply?: unknown;
  error?: Error;
}

/** One run of a script in a {@link runLuaScriptBatch}. */
export interface ScriptCall {
  keys: readonly string[];
  args: readonly (string | number)[];
}

/**
 * Runs `script` once per call in one pipeline: one socket write and one round trip for the
 * lot. Resolves to each call's reply or error, in order; rejects only when the pipeline as a
 * whole fails (the connection). On a `Cluster`, every call must touch one slot.
 */
export async function runLuaScriptBatch(
  client: RedisClient,
  script: LuaScript,
  calls: readonly ScriptCall[],
): Promise<ScriptOutcome[]> {
  defineOnce(client, script);
  // exec() resolves to null only for a MULTI discarded by WATCH; a plain pipeline never does.
  const pipeline = client.pipeline() as unknown as Record<
    string,
    (...args: (string | number)[]) => unknown
  > & { exec(): Promise<[Error | null, unknown][]> };
  for (const call of calls) pipeline[script.command](...call.keys, ...call.args);
  const results = await pipeline.exec();
  return results.map(([error, reply]) => (error ? { error } : { reply }));
}
