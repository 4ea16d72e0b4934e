import type { QueueSystem } from './bench-queue';
import { bullmqSystem } from './bullmq.system';
import { coordinatorSystem } from './coordinator.system';
import { engineLoopSystem } from './engine-loop.system';
import { nestSystem } from './nest.system';

export type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';

/** Every system under test, by name. */
export const SYSTEMS: Record<string, QueueSystem> = {
  coordinator: coordinatorSystem,
  bullmq: bullmqSystem,
  nest: nestSystem,
  engine: engineLoopSystem,
};
