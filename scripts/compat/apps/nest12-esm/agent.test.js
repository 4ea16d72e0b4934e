// The agent's unit test as an ES module, run by node:test: jest cannot load NestJS 12 (ES modules
// only) through this package's CommonJS require() before Node 24.9 (see scripts/compat/run.ts).
import 'reflect-metadata';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as pkg from 'tta-agent-coordination';
import * as testing from 'tta-agent-coordination/testing';
import shared from './agent-test.cjs';

shared.defineAgentTest({ pkg, testing, t: { describe, it, beforeEach, afterEach } });
