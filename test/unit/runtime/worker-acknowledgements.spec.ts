import { MessageType, RedisMessageCoordinator, silentLogger } from '../../../lib';
import {
  AgentWorker,
  type AgentWorkerOptions,
  type MessageHandledEvent,
} from '../../../lib/runtime';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  uniquePrefix,
} from '../../support/redis';

const AGENT = { type: 'acknowledging', instance: 'default' };
const SENDER = { type: 'feeder' };

describe('AgentWorker acknowledgements', () => {
  const client = createClient();
  const prefix = uniquePrefix('acks');
  const coordinator = new RedisMessageCoordinator(client, { keyPrefix: prefix });
  const workers: AgentWorker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    jest.restoreAllMocks();
    await deleteKeys(client, prefix);
  });

  afterAll(async () => {
    await coordinator.close();
    await closeClients();
  });

  function start(
    handle: (payload: Record<string, unknown>) => Promise<void> | void,
    options: Partial<AgentWorkerOptions> = {},
  ): { worker: AgentWorker; handled: MessageHandledEvent[] } {
    const handled: MessageHandledEvent[] = [];
    const worker = new AgentWorker(
      coordinator,
      {
        agent: AGENT,
        receiveWaitMs: 200,
        logger: silentLogger,
        instrumentation: { handled: (event) => handled.push(event) },
        ...options,
      },
      (payload) => handle(payload),
    );
    workers.push(worker);
    worker.start();
    return { worker, handled };
  }

  async function send(count: number): Promise<void> {
    const results = await coordinator.sendMessages(
      SENDER,
      Array.from({ length: count }, (_, i) => ({
        recipient: AGENT,
        message: { messageType: MessageType.EVENT, payload: { i } },
      })),
    );
    expect(results.every((result) => result.delivered)).toBe(true);
  }

  it('settles the handlers that finish in one turn with one call, reserving each its next message', async () => {
    await send(40);
    const receiveMany = jest.spyOn(coordinator, 'receiveMany');
    const settleMany = jest.spyOn(coordinator, 'ackAndReceiveMany');
    const settleOne = jest.spyOn(coordinator, 'ackAndReceive');
    const ack = jest.spyOn(coordinator, 'ack');
    const seen: number[] = [];
    const { handled } = start((payload) => void seen.push(payload.i as number), {
      concurrency: 4,
    });
    expect(await eventually(() => handled.length === 40, 10_000)).toBe(true);
    // Free slots were filled in one call, then the four chains ran in step.
    expect(receiveMany).toHaveBeenCalledWith(AGENT, 4, 30_000, expect.anything());
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(handled.every((event) => event.outcome === 'acked')).toBe(true);
    expect(ack).not.toHaveBeenCalled();
    // (The coordinator's receiveMany is an ackAndReceiveMany of no token.)
    const settles = settleMany.mock.calls.filter((call) => call[1].length > 0);
    expect(settles.length + settleOne.mock.calls.length).toBeLessThan(40);
    expect(Math.max(...settles.map((call) => call[1].length))).toBe(4);
    for (const call of settles) expect(call[2]).toBe(call[1].length);
    expect(await coordinator.stats(AGENT)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('only acknowledges, reserving nothing, when the worker stops before the shared call goes out', async () => {
    await send(3);
    const settleOne = jest.spyOn(coordinator, 'ackAndReceive');
    const ack = jest.spyOn(coordinator, 'ack');
    const settleMany = jest.spyOn(coordinator, 'ackAndReceiveMany');
    let stopping: Promise<unknown> | undefined;
    const { worker, handled } = start(
      () => {
        // Runs after the two acknowledgements joined the turn's call, before the call.
        process.nextTick(() => (stopping ??= worker.close()));
      },
      { concurrency: 2 },
    );
    expect(await eventually(() => handled.length === 2)).toBe(true);
    await stopping;
    expect(handled.map((event) => event.outcome)).toEqual(['acked', 'acked']);
    expect(settleOne).not.toHaveBeenCalled();
    // The free slots were filled with one receiveMany (an ackAndReceiveMany of no token).
    expect(settleMany.mock.calls.filter((call) => call[1].length > 0)).toEqual([]);
    expect(ack).toHaveBeenCalledTimes(2);
    expect(await coordinator.stats(AGENT)).toMatchObject({ ready: 1, reserved: 0 });
  });
});
