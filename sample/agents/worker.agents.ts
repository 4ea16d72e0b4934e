import {
  Agent,
  AgentContext,
  AgentMessageContext,
  AgentPayload,
  MessageType,
  OnAgentMessage,
} from '../../lib';
import { say } from '../sample.console';

/** The work item the planner hands out. */
interface Task {
  step: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Looks things up: answers a task with a few findings. */
@Agent({
  type: 'researcher',
  name: 'Researcher',
  capabilities: [{ name: 'research', type: 'analysis', version: '1.0.0' }],
})
export class ResearcherAgent {
  @OnAgentMessage(MessageType.REQUEST)
  async research(@AgentPayload() task: Task, @AgentContext() ctx: AgentMessageContext) {
    say('researcher', `got "${task.step}" (attempt ${ctx.attempt})`);
    await pause(50);
    const findings = [`${task.step}: 3 sources`, `${task.step}: 1 open question`];
    say('researcher', `replying with ${findings.length} findings`);
    return { findings };
  }
}

/** Drafts text: answers a task with a draft. */
@Agent({
  type: 'writer',
  name: 'Writer',
  capabilities: [{ name: 'drafting', type: 'generation', version: '1.0.0' }],
})
export class WriterAgent {
  @OnAgentMessage(MessageType.REQUEST)
  async write(@AgentPayload() task: Task) {
    say('writer', `got "${task.step}"`);
    await pause(80);
    const draft = `A short draft about ${task.step.toLowerCase()}.`;
    say('writer', `replying with a ${draft.length}-character draft`);
    return { draft };
  }
}
