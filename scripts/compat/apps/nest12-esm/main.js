// NestJS 12 consumer, ES modules (`"type": "module"`): loads NestJS and this package with
// import statements.
import 'reflect-metadata';
import { createRequire } from 'node:module';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as pkg from 'tta-agent-coordination';
import echo from './echo-app.cjs';

echo.runEchoApp({
  common,
  core,
  pkg,
  label: 'esm',
  nestVersion: createRequire(import.meta.url)('@nestjs/core/package.json').version,
});
