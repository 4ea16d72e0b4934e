import { createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { AgentCoordinationHealthIndicator } from '../../../lib';
import type { AgentConsumerStatus } from '../../../lib/nest';
import type { AgentCoordinationLifecycle } from '../../../lib/nest/workers/agent-coordination.lifecycle';
import { closeClients, createClient } from '../../support/redis';

const healthy: AgentConsumerStatus = {
  running: true,
  inFlight: 0,
  received: 0,
  consecutiveErrors: 0,
};

function lifecycleWith(agents: Record<string, AgentConsumerStatus>): AgentCoordinationLifecycle {
  return { status: () => agents } as unknown as AgentCoordinationLifecycle;
}

function indicator(
  client: Redis,
  agents: Record<string, AgentConsumerStatus> = {},
): AgentCoordinationHealthIndicator {
  return new AgentCoordinationHealthIndicator({ client, owned: false }, lifecycleWith(agents));
}

describe('AgentCoordinationHealthIndicator', () => {
  afterAll(() => closeClients());

  it('is up under the default key when Redis answers and no loop fails', async () => {
    const result = await indicator(createClient(), { 'a/default': healthy }).isHealthy();
    expect(result).toEqual({
      agentCoordination: { status: 'up', redis: 'PONG', agents: { 'a/default': healthy } },
    });
  });

  it('is down and names the agents whose loops keep failing', async () => {
    const failing = { ...healthy, consecutiveErrors: 3 };
    const result = await indicator(createClient(), {
      'a/default': healthy,
      'b/default': failing,
    }).isHealthy('agents');
    expect(result.agents).toMatchObject({ status: 'down', redis: 'PONG', failing: ['b/default'] });
  });

  describe('when Redis does not answer', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let silent: Redis;

    beforeAll(async () => {
      // Accepts connections and never answers.
      server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      silent = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
    });

    afterAll(async () => {
      silent.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('the probe reports it unreachable after the timeout', async () => {
      const probe = await indicator(silent).probe(50);
      expect(probe).toEqual({
        status: 'down',
        details: { redis: 'unreachable: no answer within 50 ms', agents: {} },
      });
    });

    it('the probe waits one second by default', async () => {
      const started = Date.now();
      const probe = await indicator(silent).probe();
      expect(probe.details.redis).toBe('unreachable: no answer within 1000 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    });
  });

  describe('with @nestjs/terminus 10 (no HealthIndicatorService)', () => {
    const terminus = jest.requireActual<typeof import('@nestjs/terminus')>('@nestjs/terminus');

    beforeEach(() => {
      jest.doMock('@nestjs/terminus', () => ({ HealthCheckError: terminus.HealthCheckError }));
    });
    afterEach(() => jest.dontMock('@nestjs/terminus'));

    it('returns the result when up', async () => {
      expect(await indicator(createClient()).isHealthy('redis')).toEqual({
        redis: { status: 'up', redis: 'PONG', agents: {} },
      });
    });

    it('throws HealthCheckError with the result as causes when down', async () => {
      const failing = { ...healthy, consecutiveErrors: 1 };
      const error = await indicator(createClient(), { 'x/default': failing })
        .isHealthy('agents')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(terminus.HealthCheckError);
      expect((error as InstanceType<typeof terminus.HealthCheckError>).causes).toEqual({
        agents: {
          status: 'down',
          redis: 'PONG',
          agents: { 'x/default': failing },
          failing: ['x/default'],
        },
      });
    });
  });
});
