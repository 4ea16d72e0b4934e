import type { INestApplicationContext } from '@nestjs/common';
import {
  Agent,
  AgentMessageContext,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  RequestTimeoutError,
} from '../../lib';
import { startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, keysUnder, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-request-reply');

@Agent({ type: 'calculator' })
class CalculatorAgent {
  readonly seen: string[] = [];

  @OnAgentMessage('request')
  add(payload: { a: number; b: number; manual?: boolean }, ctx: AgentMessageContext) {
    this.seen.push(ctx.message.correlationId!);
    if (payload.manual) {
      return ctx
        .reply({ sum: payload.a + payload.b, manual: true })
        .then(() => ({ ignored: true }));
    }
    return payload.a + payload.b;
  }
}

@Agent({ type: 'client-agent' })
class ClientAgent {
  constructor(readonly coordinator: MessageCoordinator) {}
}

describe('request/reply between two Nest applications (e2e)', () => {
  let server: INestApplicationContext;
  let client: INestApplicationContext;

  beforeAll(async () => {
    // Two application contexts, each with its own connection opened by the module.
    server = await startAgentApp({ keyPrefix: prefix, providers: [CalculatorAgent] });
    client = await startAgentApp({ keyPrefix: prefix, providers: [ClientAgent] });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
    const redis = createClient();
    await deleteKeys(redis, prefix);
    expect(await keysUnder(redis, prefix)).toEqual([]);
    await closeClients();
  });

  it('answers a request from the other application with the handler return value', async () => {
    const coordinator = client.get(ClientAgent).coordinator;
    expect(coordinator).not.toBe(server.get(MessageCoordinator));
    const response = await coordinator.request(
      { type: 'client-agent' },
      { type: 'calculator' },
      { messageType: MessageType.REQUEST, payload: { a: 2, b: 40 } },
      { timeoutMs: 5_000 },
    );
    // A non-object return value is wrapped as { result }.
    expect(response.payload).toEqual({ result: 42 });
    expect(response.messageType).toBe('response');
    expect(server.get(CalculatorAgent).seen).toContain(response.correlationId);
  });

  it('sends one reply only when the handler answers through context.reply()', async () => {
    const coordinator = client.get(MessageCoordinator);
    const response = await coordinator.request(
      { type: 'client-agent' },
      { type: 'calculator' },
      { messageType: MessageType.REQUEST, payload: { a: 1, b: 1, manual: true } },
      { timeoutMs: 5_000 },
    );
    expect(response.payload).toEqual({ sum: 2, manual: true });
  });

  it('serves many concurrent requests, each with its own answer', async () => {
    const coordinator = client.get(MessageCoordinator);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        coordinator.request(
          { type: 'client-agent' },
          { type: 'calculator' },
          { messageType: MessageType.REQUEST, payload: { a: i, b: 100 } },
          { timeoutMs: 10_000 },
        ),
      ),
    );
    expect(answers.map((a) => a.payload.result)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 100),
    );
  });

  it('times out with a typed error when no agent answers', async () => {
    const coordinator = client.get(MessageCoordinator);
    await expect(
      coordinator.request(
        { type: 'client-agent' },
        { type: 'nobody' },
        { messageType: MessageType.REQUEST, payload: {} },
        { timeoutMs: 300 },
      ),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
  });
});
