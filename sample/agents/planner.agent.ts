import {
  Agent,
  AgentPayload,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  type AgentId,
} from '../../lib';
import { say } from '../sample.console';

/** The planner's own id; workers answer to it. */
export const PLANNER: AgentId = { type: 'planner' };

/** What the planner reports when a goal is done. */
export interface PlanResult {
  goal: string;
  findings: string[];
  draft: string;
}

/**
 * Takes a goal (an EVENT), sends one task to each worker with `request()`, and gathers
 * both replies.
 */
@Agent({ type: 'planner', name: 'Planner' })
export class PlannerAgent {
  private finish!: (result: PlanResult) => void;
  /** Resolves when the first goal is planned. */
  readonly done = new Promise<PlanResult>((resolve) => (this.finish = resolve));

  constructor(private readonly coordinator: MessageCoordinator) {}

  @OnAgentMessage(MessageType.EVENT)
  async plan(@AgentPayload('goal') goal: string): Promise<void> {
    say('planner', `goal received: "${goal}"`);
    say('planner', 'asking researcher and writer in parallel');
    const ask = (type: string, step: string) =>
      this.coordinator.request(
        PLANNER,
        { type },
        { messageType: MessageType.REQUEST, payload: { step } },
        { timeoutMs: 10_000 },
      );
    const [research, writing] = await Promise.all([
      ask('researcher', `Research ${goal}`),
      ask('writer', `Outline ${goal}`),
    ]);
    const findings = research.payload.findings as string[];
    const draft = writing.payload.draft as string;
    say('planner', `gathered ${findings.length} findings and a draft`);
    this.finish({ goal, findings, draft });
  }
}
