// NestJS 10 consumer, CommonJS: loads NestJS and this package with require().
'use strict';
require('reflect-metadata');
const { runEchoApp } = require('./echo-app.cjs');

runEchoApp({
  common: require('@nestjs/common'),
  core: require('@nestjs/core'),
  pkg: require('tta-agent-coordination'),
  label: 'cjs',
  nestVersion: require('@nestjs/core/package.json').version,
});
