import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLuaScript } from '../../../lib/common/lua-script';

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
