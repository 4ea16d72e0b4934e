import {
  Injectable,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestApplicationContext,
  type NestInterceptor,
} from '@nestjs/common';
import { IsInt, IsString, Min } from 'class-validator';
import { map, type Observable } from 'rxjs';
import {
  Agent,
  AGENT_MESSAGE_CONTEXT_TYPE,
  AgentContext,
  AgentMessageContext,
  AgentPayload,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
} from '../../lib';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-enhancers');
const AGENT = { type: 'guarded' };

class TaskDto {
  @IsString()
  title!: string;

  @IsInt()
  @Min(1)
  effort!: number;
}

@Injectable()
class TrustedSendersGuard implements CanActivate {
  readonly seenTypes: string[] = [];

  canActivate(context: ExecutionContext): boolean {
    this.seenTypes.push(context.getType());
    const ctx = context.switchToRpc().getContext<AgentMessageContext>();
    return ctx.message.sender.type !== 'intruder';
  }
}

@Injectable()
class StampInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(map((value: Record<string, unknown>) => ({ ...value, stamped: true })));
  }
}

@Agent({ type: 'guarded' })
@UseGuards(TrustedSendersGuard)
class GuardedAgent {
  readonly tasks: TaskDto[] = [];

  @OnAgentMessage('request')
  @UsePipes(new ValidationPipe({ transform: true }))
  @UseInterceptors(StampInterceptor)
  plan(@AgentPayload() task: TaskDto, @AgentContext() ctx: AgentMessageContext) {
    this.tasks.push(task);
    return { accepted: task.title, isDto: task instanceof TaskDto, attempt: ctx.attempt };
  }

  readonly titles: unknown[] = [];

  @OnAgentMessage('event')
  titleOnly(@AgentPayload('title') title: string) {
    this.titles.push(title);
    return { title };
  }
}

describe('guards, pipes and interceptors on message handlers (e2e)', () => {
  let app: INestApplicationContext;
  let coordinator: MessageCoordinator;
  let outcomes: OutcomeRecorder;

  beforeAll(async () => {
    app = await startAgentApp({
      keyPrefix: prefix,
      providers: [GuardedAgent, TrustedSendersGuard, StampInterceptor],
    });
    coordinator = app.get(MessageCoordinator);
    outcomes = new OutcomeRecorder(app);
  });

  afterAll(async () => {
    await app.close();
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('runs the handler through guard, validation pipe (DTO instance) and interceptor', async () => {
    const response = await coordinator.request(
      { type: 'planner' },
      AGENT,
      { messageType: MessageType.REQUEST, payload: { title: 'write', effort: 3 } },
      { timeoutMs: 5_000 },
    );
    expect(response.payload).toEqual({ accepted: 'write', isDto: true, attempt: 1, stamped: true });
    expect(app.get(TrustedSendersGuard).seenTypes).toContain(AGENT_MESSAGE_CONTEXT_TYPE);
  });

  it('dead-letters a payload the ValidationPipe rejects, with the validation message', async () => {
    await coordinator.sendMessage({ type: 'planner' }, AGENT, {
      messageId: 'bad-dto-1',
      messageType: MessageType.REQUEST,
      payload: { title: 'x', effort: 0 },
    });
    const event = await outcomes.waitFor('bad-dto-1');
    expect(event.outcome).toBe('dead-lettered');
    expect(event.error).toMatch(/effort must not be less than 1/);
    expect(app.get(GuardedAgent).tasks.map((t) => t.title)).not.toContain('x');
  });

  it('dead-letters a message the guard refuses, without running the handler', async () => {
    const before = app.get(GuardedAgent).tasks.length;
    await coordinator.sendMessage({ type: 'intruder' }, AGENT, {
      messageId: 'intruder-1',
      messageType: MessageType.REQUEST,
      payload: { title: 'steal', effort: 1 },
    });
    const event = await outcomes.waitFor('intruder-1');
    expect(event).toMatchObject({ outcome: 'dead-lettered', failed: true });
    expect(event.error).toMatch(/Forbidden/);
    expect(app.get(GuardedAgent).tasks.length).toBe(before);
  });

  it('@AgentPayload(property) picks one field of the payload', async () => {
    await coordinator.sendMessage({ type: 'planner' }, AGENT, {
      messageId: 'title-1',
      messageType: MessageType.EVENT,
      payload: { title: 'only this' },
    });
    await outcomes.waitFor('title-1', 'acked');
    expect(app.get(GuardedAgent).titles).toEqual(['only this']);
  });
});
