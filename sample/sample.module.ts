import { Module, type DynamicModule } from '@nestjs/common';
import { AgentCoordinationModule, type RedisClient } from '../lib';
import { PlannerAgent } from './agents/planner.agent';
import { ResearcherAgent, WriterAgent } from './agents/worker.agents';

/** The sample application: the coordination module and three agents. */
@Module({})
export class SampleModule {
  /** The application on `redis`, under its own key prefix. */
  static on(redis: RedisClient, keyPrefix: string): DynamicModule {
    return {
      module: SampleModule,
      imports: [
        AgentCoordinationModule.forRoot({
          connection: redis,
          keyPrefix,
          consumer: { receiveWaitMs: 200, shutdownTimeoutMs: 2_000 },
          registry: { subscribeEvents: false },
          breakers: { subscribeEvents: false },
        }),
      ],
      providers: [PlannerAgent, ResearcherAgent, WriterAgent],
    };
  }
}
