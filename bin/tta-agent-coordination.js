#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled code in dist/. A git clone builds it on `npm ci` (the
// `prepare` script); when it is missing anyway (e.g. `npm ci --ignore-scripts`), say how to
// build it instead of failing with a stack trace.
const path = require('node:path');
const fs = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(
    `error: ${path.relative(process.cwd(), main) || main} is missing: the package is not built. ` +
      'Run `npm run build` in the package directory (in a git clone, `npm ci` builds it).\n',
  );
  process.exit(1);
}
require(main)
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
