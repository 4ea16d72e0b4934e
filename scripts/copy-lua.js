// Copies the Lua scripts next to the compiled code that loads them.
const fs = require('node:fs');
const path = require('node:path');

function copy(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) copy(from);
    else if (entry.name.endsWith('.lua')) {
      const to = path.join('dist', path.relative('lib', from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}
copy('lib');
