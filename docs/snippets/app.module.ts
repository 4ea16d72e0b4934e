// #region app-module
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AgentCoordinationModule } from 'tta-agent-coordination';
import { LlmClient } from './llm.client';
import { SummariserAgent } from './summariser.agent';

@Module({
  imports: [
    ConfigModule.forRoot(),
    AgentCoordinationModule.forRootAsync({
      isGlobal: true, // forFeature() and the health indicator need the root module global
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        connection: config.get('REDIS_URL', 'redis://127.0.0.1:6379'),
        keyPrefix: config.get('AGENTS_KEY_PREFIX', 'ao'),
        consumer: { concurrency: 10 },
      }),
    }),
  ],
  providers: [LlmClient, SummariserAgent],
})
export class AppModule {}
// #endregion
