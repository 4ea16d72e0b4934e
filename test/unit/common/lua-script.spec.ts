import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadLuaScript,
  runLuaScript,
  runLuaScriptBatch,
  type LuaScript,
} from '../../../lib/common/lua-script';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../../support/redis';

describe('loadLuaScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-script-'));

  beforeAll(() => {
    writeFileSync(join(dir, 'shared.lua'), 'local shared = 1\n--#include inner.lua');
    writeFileSync(join(dir, 'inner.lua'), 'local inner = 2');
    writeFileSync(join(dir, 'do-work-3.lua'), '--#include shared.lua\nreturn KEYS[1]');
    writeFileSync(join(dir, 'no-count.lua'), 'return 1');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the command after the file, takes the key count from it and inlines includes', () => {
    expect(loadLuaScript(dir, 'do-work-3.lua')).toEqual({
      command: 'tta_do_work',
      keys: 3,
      lua: 'local shared = 1\nlocal inner = 2\nreturn KEYS[1]',
    });
  });

  it('refuses a file name that does not end in -<keys>.lua', () => {
    expect(() => loadLuaScript(dir, 'no-count.lua')).toThrow(
      'Script file no-count.lua does not end in -<keys>.lua',
    );
  });
});

describe('runLuaScriptBatch', () => {
  const script: LuaScript = {
    command: 'tta_test_batch_incr',
    keys: 1,
    lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
  };

  it('runs every call in one pipeline and answers each with its reply or its error', async () => {
    const client = createClient();
    const prefix = uniquePrefix('lua-batch');
    const key = `${prefix}:counter`;
    try {
      const results = await runLuaScriptBatch(client, script, [
        { keys: [key], args: [2] },
        { keys: [key], args: ['not a number'] },
        { keys: [key], args: [3] },
      ]);
      expect(results[0]).toEqual({ reply: 2 });
      expect(results[1].error?.message).toMatch(/not an integer/);
      expect(results[1]).not.toHaveProperty('reply');
      expect(results[2]).toEqual({ reply: 5 });
      expect(await client.get(key)).toBe('5');
    } finally {
      await deleteKeys(client, prefix);
      await closeClients();
    }
  });
});

describe('runLuaScript', () => {
  const script = (command: string): LuaScript => ({ command, keys: 1, lua: 'return KEYS[1]' });

  it('defines each script once per client, however often it runs', async () => {
    const [first, second] = [createClient(), createClient()];
    const defined = [jest.spyOn(first, 'defineCommand'), jest.spyOn(second, 'defineCommand')];
    try {
      const [echo, other] = [script('tta_test_define_echo'), script('tta_test_define_other')];
      expect(await runLuaScript(first, echo, ['a'], [])).toBe('a');
      expect(await runLuaScript(first, echo, ['b'], [])).toBe('b');
      expect(await runLuaScript(first, other, ['c'], [])).toBe('c');
      expect(await runLuaScript(second, echo, ['d'], [])).toBe('d');
      expect(defined[0].mock.calls.map(([name]) => name)).toEqual([echo.command, other.command]);
      expect(defined[1].mock.calls.map(([name]) => name)).toEqual([echo.command]);
    } finally {
      await closeClients();
    }
  });
});
