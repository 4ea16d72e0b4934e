import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import { Agent, AgentContext, AgentPayload, OnAgentMessage } from '../../lib/nest';
import type { AgentMessageContext } from '../../lib/runtime';
import { MessageCoordinator, MessageType } from '../../lib/messaging';
import { AgentRegistry } from '../../lib/registry';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { RedisClusterFixture } from '../support/redis-cluster';

jest.setTimeout(60_000);

const SENDER = { type: 'tester' };

@Agent({ type: 'cluster-worker', instance: 'w1', name: 'Cluster worker one' })
class WorkerOne {
  readonly seen: unknown[] = [];

  @OnAgentMessage(MessageType.EVENT)
  onEvent(@AgentPayload() payload: Record<string, unknown>) {
    this.seen.push(payload);
  }

  @OnAgentMessage(MessageType.REQUEST)
  onRequest(
    @AgentPayload() payload: Record<string, unknown>,
    @AgentContext() ctx: AgentMessageContext,
  ) {
    return { doubled: Number(payload.n) * 2, attempt: ctx.attempt };
  }
}

@Agent({ type: 'cluster-worker', instance: 'w2', name: 'Cluster worker two' })
class WorkerTwo {
  readonly seen: unknown[] = [];

  @OnAgentMessage(MessageType.EVENT)
  onEvent(@AgentPayload() payload: Record<string, unknown>) {
    this.seen.push(payload);
  }
}

describe('AgentCoordinationModule on a three-master Redis Cluster', () => {
  let fixture: RedisClusterFixture;
  let cluster: Cluster;
  let app: INestApplicationContext;
  let coordinator: MessageCoordinator;
  let outcomes: OutcomeRecorder;

  beforeAll(async () => {
    fixture = await RedisClusterFixture.start();
    cluster = await fixture.connect();
    app = await startAgentApp({
      keyPrefix: `t.cluster-nest.${randomBytes(4).toString('hex')}`,
      providers: [WorkerOne, WorkerTwo],
      options: { connection: cluster },
    });
    coordinator = app.get(MessageCoordinator);
    outcomes = new OutcomeRecorder(app);
  });

  afterAll(async () => {
    await app?.close();
    await fixture?.stop();
  });

  it('dispatches events to agents in different slots and acks them', async () => {
    for (const instance of ['w1', 'w2']) {
      const messageId = `nest-${instance}-1`;
      const result = await coordinator.sendMessage(
        SENDER,
        { type: 'cluster-worker', instance },
        { messageId, messageType: MessageType.EVENT, payload: { to: instance } },
      );
      expect(result.delivered).toBe(true);
      expect((await outcomes.waitFor(messageId)).outcome).toBe('acked');
    }
    expect(app.get(WorkerOne).seen).toEqual([{ to: 'w1' }]);
    expect(app.get(WorkerTwo).seen).toEqual([{ to: 'w2' }]);
  });

  it('answers a request through the module', async () => {
    const response = await coordinator.request(
      SENDER,
      { type: 'cluster-worker', instance: 'w1' },
      { messageType: MessageType.REQUEST, payload: { n: 21 } },
      { timeoutMs: 5_000 },
    );
    expect(response.payload).toMatchObject({ doubled: 42 });
  });

  it('registers the decorated agents in the registry', async () => {
    const registry = app.get(AgentRegistry);
    const listed = (await registry.listRegistered()).map((a) => a.agentId.instance).sort();
    expect(listed).toEqual(['w1', 'w2']);
  });
});
