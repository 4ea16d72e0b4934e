import type { INestApplicationContext } from '@nestjs/common';
import {
  Agent,
  AgentMessageContext,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
} from '../../lib';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-handler-context');

interface Seen {
  attempt: number;
  lastError: string | undefined;
  token: string;
  extendedDefault: boolean;
  extendedLonger: boolean;
}

@Agent({ type: 'introspective' })
class IntrospectiveAgent {
  readonly seen: Seen[] = [];
  readonly replied: boolean[] = [];

  @OnAgentMessage(MessageType.EVENT)
  async handle(_payload: unknown, ctx: AgentMessageContext) {
    this.seen.push({
      attempt: ctx.attempt,
      lastError: ctx.lastError,
      token: ctx.token,
      extendedDefault: await ctx.extend(),
      extendedLonger: await ctx.extend(10_000),
    });
    if (ctx.attempt === 1) throw new Error('first try fails');
  }

  @OnAgentMessage(MessageType.REQUEST, { replyWithResult: false })
  async answer(_payload: unknown, ctx: AgentMessageContext) {
    this.replied.push(ctx.replied);
    await ctx.reply({ answer: 1 });
    this.replied.push(ctx.replied);
  }
}

describe('AgentMessageContext inside a handler (e2e)', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await startAgentApp({ keyPrefix: prefix, providers: [IntrospectiveAgent] });
  });

  afterAll(async () => {
    await app.close();
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('tells the handler its attempt, the previous error and its token, and extends its reservation', async () => {
    const recorder = new OutcomeRecorder(app);
    const { messageId } = await app.get(MessageCoordinator).sendMessage(
      { type: 'test' },
      { type: 'introspective' },
      {
        messageType: MessageType.EVENT,
        payload: {},
      },
    );
    await recorder.waitFor(messageId, 'acked', 10_000);
    const [first, second] = app.get(IntrospectiveAgent).seen;
    expect(first).toMatchObject({ attempt: 1, lastError: undefined });
    expect(second).toMatchObject({ attempt: 2, lastError: 'Error: first try fails' });
    expect(first.token).not.toBe(second.token);
    expect([first, second].every((s) => s.extendedDefault && s.extendedLonger)).toBe(true);
  });

  it('says whether the handler has replied', async () => {
    const response = await app.get(MessageCoordinator).request(
      { type: 'test' },
      { type: 'introspective' },
      {
        messageType: MessageType.REQUEST,
        payload: {},
      },
      { timeoutMs: 5_000 },
    );
    expect(response.payload).toEqual({ answer: 1 });
    expect(app.get(IntrospectiveAgent).replied).toEqual([false, true]);
  });
});
