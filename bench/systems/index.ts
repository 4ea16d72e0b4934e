import type { QueueSystem } from './bench-queue';
import { bullmqSystem } from './bullmq.system';
import {
  coordinatorManySystem,
  coordinatorSystem,
  coordinatorTwoStepSystem,
} from './coordinator.system';
import { nestSystem } from './nest.system';

export type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';

/** Every system under test, by name. */
export const SYSTEMS: Record<string, QueueSystem> = {
  coordinator: coordinatorSystem,
  'coordinator-ack-receive': coordinatorTwoStepSystem,
  'coordinator-many': coordinatorManySystem,
  bullmq: bullmqSystem,
  nest: nestSystem,
};
