import { Inject } from '@nestjs/common';
import { getCircuitBreakerToken } from '../module/agent-coordination.constants';

/**
 * Injects the circuit breaker named `name`, shared through Redis with every process that
 * uses the same name. The name must be declared with `AgentCoordinationModule.forFeature()`.
 *
 * @public
 */
export function InjectCircuitBreaker(name: string): ParameterDecorator & PropertyDecorator {
  return Inject(getCircuitBreakerToken(name));
}
