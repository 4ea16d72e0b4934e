import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestFactory as NestFactoryType } from '@nestjs/core';
import type { AgentId } from '../../lib/common/agent-id';
import type { RedisMessageCoordinator } from '../../lib/messaging/redis-message-coordinator';
import type { Agent, AgentCoordinationModule, OnAgentMessage } from '../../lib/nest';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';
import { coordinatorQueueSystem, RECIPIENT, type CoordinatorClass } from './coordinator.system';

/**
 * A build of the package from before `AgentWorker` (commit 8fcc77d), measured beside the
 * current code when `BENCH_BASELINE` names its checkout:
 *
 *     git worktree add /tmp/bench-baseline 8fcc77d
 *     (cd /tmp/bench-baseline && npm ci && npm run build)
 *     BENCH_BASELINE=/tmp/bench-baseline npm run bench
 *
 * Everything of a baseline row is the baseline's: its compiled `dist/` sends and consumes, its
 * Nest module (on the Nest packages of its own `node_modules`) runs the Nest row, and the
 * end-to-end row runs the consumer loop its bench had (`bench/systems/coordinator-loop.ts`).
 */
export interface Baseline {
  /** The short commit id of the checkout. */
  commit: string;
  /** Its coordinator consumed by its bench's own loop (`ackAndReceive`). */
  loop: QueueSystem;
  /** Its coordinator consumed by its Nest module. */
  nest: QueueSystem;
}

/** The parts of the baseline's package the bench uses, typed as today's. */
interface BaselinePackage {
  RedisMessageCoordinator: CoordinatorClass;
  AgentCoordinationModule: typeof AgentCoordinationModule;
  Agent: typeof Agent;
  OnAgentMessage: typeof OnAgentMessage;
}

/** The loop of the baseline's bench, as its `coordinator-loop.ts` exports it. */
interface BaselineLoop {
  startCoordinatorLoop(
    coordinator: RedisMessageCoordinator,
    agent: AgentId,
    concurrency: number,
    handler: (payload: Payload) => void,
    options: { visibilityTimeoutMs: number; waitMs: number; ackAndReceive: boolean },
  ): { stop(): Promise<void> };
}

/**
 * Loads the baseline build in `dir`.
 *
 * @throws Error naming what is missing (the build, or the bench loop)
 */
export function loadBaseline(dir: string): Baseline {
  const dist = join(dir, 'dist', 'index.js');
  const loopFile = join(dir, 'bench', 'systems', 'coordinator-loop.ts');
  if (!existsSync(dist))
    throw new Error(`BENCH_BASELINE: no ${dist}; run npm ci && npm run build there`);
  if (!existsSync(loopFile)) throw new Error(`BENCH_BASELINE: no ${loopFile} in that checkout`);
  /* eslint-disable @typescript-eslint/no-require-imports -- the baseline is found at run time */
  const pkg = require(dist) as BaselinePackage;
  // ts-node (which runs the bench) compiles it; its imports of lib/ are types only.
  const { startCoordinatorLoop } = require(loopFile) as BaselineLoop;
  const { NestFactory } = require(join(dir, 'node_modules', '@nestjs', 'core')) as {
    NestFactory: typeof NestFactoryType;
  };
  const { Module } = require(join(dir, 'node_modules', '@nestjs', 'common')) as {
    Module: (metadata: ModuleMetadata) => ClassDecorator;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  let commit = 'baseline';
  try {
    commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    // Not a git checkout: the label stays generic.
  }
  const loop = coordinatorQueueSystem(
    'baseline-loop',
    pkg.RedisMessageCoordinator,
    (coordinator, concurrency, handler) =>
      startCoordinatorLoop(coordinator, RECIPIENT, concurrency, handler, {
        visibilityTimeoutMs: 30_000,
        waitMs: 1_000,
        ackAndReceive: true,
      }),
  );
  const startNest = async (
    redisUrl: string,
    prefix: string,
    concurrency: number,
    handler: (payload: Payload) => void,
  ): Promise<Consumer> => {
    @pkg.Agent({
      type: RECIPIENT.type,
      consumer: { concurrency, receiveWaitMs: 1_000, visibilityTimeoutMs: 30_000 },
    })
    class BenchAgent {
      @pkg.OnAgentMessage('event')
      handle(payload: Payload): void {
        handler(payload);
      }
    }
    @Module({
      imports: [pkg.AgentCoordinationModule.forRoot({ connection: redisUrl, keyPrefix: prefix })],
      providers: [BenchAgent],
    })
    class BenchModule {}
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
    await app.init();
    return { stop: () => app.close() };
  };
  const nest: QueueSystem = {
    name: 'baseline-nest',
    async open(redisUrl, prefix): Promise<BenchQueue> {
      const producer = await loop.open(redisUrl, prefix);
      return {
        send: (payload) => producer.send(payload),
        sendBatch: (payloads) => producer.sendBatch(payloads),
        consume: (concurrency, handler) => startNest(redisUrl, prefix, concurrency, handler),
        close: () => producer.close(),
      };
    },
  };
  return { commit, loop, nest };
}
