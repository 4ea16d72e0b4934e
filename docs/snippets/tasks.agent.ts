// #region pipes
import {
  Injectable,
  UseGuards,
  ValidationPipe,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import {
  Agent,
  AgentPayload,
  OnAgentMessage,
  PermanentMessageError,
  type AgentMessageContext,
} from 'tta-agent-coordination';

export class PlanTaskDto {
  @IsString()
  title!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  effort!: number;
}

@Injectable()
export class FromPlannerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.switchToRpc().getContext<AgentMessageContext>();
    return ctx.message.sender.type === 'planner';
  }
}

@Agent({ type: 'tasks' })
@UseGuards(FromPlannerGuard)
export class TasksAgent {
  private readonly titles = new Set<string>();

  @OnAgentMessage({ topic: 'tasks.plan' })
  plan(@AgentPayload(new ValidationPipe({ transform: true })) task: PlanTaskDto) {
    // `task` is a PlanTaskDto instance; a payload that fails validation never gets here.
    if (this.titles.has(task.title)) throw new PermanentMessageError(`${task.title} is planned`);
    this.titles.add(task.title);
    return { accepted: task.title };
  }
}
// #endregion
