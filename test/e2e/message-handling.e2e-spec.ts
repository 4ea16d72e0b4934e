import type { INestApplicationContext } from '@nestjs/common';
import {
  Agent,
  AgentContext,
  AgentMessageContext,
  AgentPayload,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  PermanentMessageError,
  AgentCoordinationMetrics,
} from '../../lib';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, keysUnder, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-handling');
const WORKER = { type: 'worker', instance: 'w1' };
const SENDER = { type: 'tester' };

@Agent({ type: 'worker', instance: 'w1', name: 'Test worker' })
class WorkerAgent {
  readonly calls: { method: string; payload: unknown; attempt: number }[] = [];
  flaky = new Map<string, number>();

  @OnAgentMessage(MessageType.EVENT)
  onEvent(
    @AgentPayload() payload: Record<string, unknown>,
    @AgentContext() ctx: AgentMessageContext,
  ) {
    this.calls.push({ method: 'onEvent', payload, attempt: ctx.attempt });
    if (payload.fail === 'transient') throw new Error('temporary trouble');
    if (payload.fail === 'permanent') throw new PermanentMessageError('cannot ever work');
    if (payload.fail === 'once' && ctx.attempt === 1) throw new Error('first try fails');
    return { ok: true };
  }

  @OnAgentMessage('request')
  onRequest(payload: Record<string, unknown>, ctx: AgentMessageContext) {
    this.calls.push({ method: 'onRequest', payload, attempt: ctx.attempt });
    return { doubled: Number(payload.n) * 2 };
  }
}

describe('message handling (e2e)', () => {
  let app: INestApplicationContext;
  let coordinator: MessageCoordinator;
  let worker: WorkerAgent;
  let outcomes: OutcomeRecorder;

  beforeAll(async () => {
    app = await startAgentApp({ keyPrefix: prefix, providers: [WorkerAgent] });
    coordinator = app.get(MessageCoordinator);
    worker = app.get(WorkerAgent);
    outcomes = new OutcomeRecorder(app);
  });

  afterAll(async () => {
    await app.close();
    const client = createClient();
    await deleteKeys(client, prefix);
    expect(await keysUnder(client, prefix)).toEqual([]);
    await closeClients();
  });

  const send = async (
    messageId: string,
    messageType: MessageType,
    payload: Record<string, unknown>,
  ) => {
    const result = await coordinator.sendMessage(SENDER, WORKER, {
      messageId,
      messageType,
      payload,
    });
    expect(result.delivered).toBe(true);
  };

  it('invokes the handler bound to the message type and acks on return', async () => {
    await send('evt-ok-1', MessageType.EVENT, { n: 1 });
    const event = await outcomes.waitFor('evt-ok-1');
    expect(event.outcome).toBe('acked');
    expect(worker.calls.filter((c) => c.payload && (c.payload as { n?: number }).n === 1)).toEqual([
      { method: 'onEvent', payload: { n: 1 }, attempt: 1 },
    ]);
    expect(await coordinator.stats(WORKER)).toMatchObject({
      ready: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('routes each type to its own handler only', async () => {
    const before = worker.calls.length;
    await send('req-route-1', MessageType.REQUEST, { n: 4 });
    await outcomes.waitFor('req-route-1', 'acked');
    expect(worker.calls.slice(before)).toEqual([
      { method: 'onRequest', payload: { n: 4 }, attempt: 1 },
    ]);
  });

  it('retries a handler that throws, then succeeds on a later attempt', async () => {
    await send('evt-once-1', MessageType.EVENT, { fail: 'once' });
    await outcomes.waitFor('evt-once-1', 'acked');
    expect(outcomes.of('evt-once-1').map((e) => e.outcome)).toEqual(['retried', 'acked']);
    expect(
      worker.calls
        .filter((c) => (c.payload as { fail?: string }).fail === 'once')
        .map((c) => c.attempt),
    ).toEqual([1, 2]);
  });

  it('retries a handler that keeps throwing, then dead-letters it with the error', async () => {
    await send('evt-transient-1', MessageType.EVENT, { fail: 'transient' });
    await outcomes.waitFor('evt-transient-1', 'dead-lettered');
    // retryAttempts 2: the first delivery and two retries.
    expect(outcomes.of('evt-transient-1').map((e) => e.outcome)).toEqual([
      'retried',
      'retried',
      'dead-lettered',
    ]);
    const dead = await coordinator.deadLetters(WORKER);
    const entry = dead.find((d) => d.message.messageId === 'evt-transient-1');
    expect(entry?.lastError).toContain('temporary trouble');
    expect(entry?.deliveryAttempts).toBe(3);
  });

  it('dead-letters at once on PermanentMessageError', async () => {
    await send('evt-permanent-1', MessageType.EVENT, { fail: 'permanent' });
    await outcomes.waitFor('evt-permanent-1', 'dead-lettered');
    expect(outcomes.of('evt-permanent-1').map((e) => e.outcome)).toEqual(['dead-lettered']);
    const dead = await coordinator.deadLetters(WORKER);
    expect(dead.find((d) => d.message.messageId === 'evt-permanent-1')?.lastError).toContain(
      'cannot ever work',
    );
  });

  it('dead-letters a message type without a handler, with a reason naming it', async () => {
    await send('resp-nohandler-1', MessageType.RESPONSE, { orphan: true });
    const event = await outcomes.waitFor('resp-nohandler-1');
    expect(event).toMatchObject({ outcome: 'dead-lettered', handled: false });
    const dead = await coordinator.deadLetters(WORKER);
    expect(dead.find((d) => d.message.messageId === 'resp-nohandler-1')?.lastError).toMatch(
      /no handler for message type "response" on agent worker\/w1/,
    );
  });

  it('counts every outcome per agent in the metrics service', () => {
    const metrics = app.get(AgentCoordinationMetrics).forAgent(WORKER);
    expect(metrics.acked).toBeGreaterThanOrEqual(3);
    expect(metrics.retried).toBeGreaterThanOrEqual(3);
    expect(metrics.deadLettered).toBeGreaterThanOrEqual(3);
    expect(metrics.failed).toBeGreaterThanOrEqual(5);
    expect(metrics.received).toBe(
      metrics.acked + metrics.retried + metrics.deadLettered + metrics.unsettled,
    );
    expect(metrics.latency.count).toBe(metrics.received);
  });
});
