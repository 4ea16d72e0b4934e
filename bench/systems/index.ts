import type { QueueSystem } from './bench-queue';
import { bullmqSystem } from './bullmq.system';
import { coordinatorPrefetchSystem, coordinatorSystem } from './coordinator.system';
import { engineLoopSystem } from './engine-loop.system';
import { nestPrefetchSystem, nestSystem } from './nest.system';

export type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';

/** Every system under test, by name. */
export const SYSTEMS: Record<string, QueueSystem> = {
  coordinator: coordinatorSystem,
  'coordinator-prefetch': coordinatorPrefetchSystem,
  bullmq: bullmqSystem,
  nest: nestSystem,
  'nest-prefetch': nestPrefetchSystem,
  engine: engineLoopSystem,
};
