#!/usr/bin/env node
'use strict';
require('../dist/cli/main')
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
