import { Inject } from '@nestjs/common';
import type { AgentTarget } from '../../client/agent-client.options';
import { getAgentClientToken } from '../module/agent-coordination.constants';

/**
 * Injects the `AgentClient` toward `target` (an agent type, or an id with its instance),
 * sending as the application's `identity`. The client must be declared with
 * `AgentCoordinationModule.forFeature({ clients: [target] })`.
 *
 * ```ts
 * constructor(@InjectAgentClient('billing') private readonly billing: AgentClient) {}
 * ```
 *
 * @throws ValidationError (when the class is declared) for a target that is not a valid
 *   agent id or type
 *
 * @beta
 */
export function InjectAgentClient(target: AgentTarget): ParameterDecorator & PropertyDecorator {
  return Inject(getAgentClientToken(target));
}
