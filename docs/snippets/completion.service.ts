// #region breakers
import { Injectable, Module } from '@nestjs/common';
import {
  AgentCoordinationModule,
  CircuitBreaker,
  InjectCircuitBreaker,
} from 'tta-agent-coordination';
import { LlmClient } from './llm.client';

@Injectable()
export class CompletionService {
  constructor(
    @InjectCircuitBreaker('llm-provider') private readonly breaker: CircuitBreaker,
    private readonly llm: LlmClient,
  ) {}

  summarise(text: string, signal: AbortSignal): Promise<string> {
    // While the breaker is open, in this process or any other, this fails fast with a
    // CircuitBreakerOpenError instead of calling the provider.
    return this.breaker.call(() => this.llm.summarise(text, { signal }));
  }
}

@Module({
  imports: [
    AgentCoordinationModule.forFeature({
      breakers: [{ name: 'llm-provider', config: { failureThreshold: 3, openTimeoutMs: 30_000 } }],
    }),
  ],
  providers: [LlmClient, CompletionService],
  exports: [CompletionService],
})
export class CompletionModule {}
// #endregion
