import { getMaxListeners } from 'node:events';
import {
  ClosedError,
  ConfigurationError,
  MessageType,
  RedisMessageCoordinator,
  ValidationError,
  type ReceivedMessage,
  silentLogger,
} from '../../../lib';
import {
  AgentWorker,
  type AgentWorkerOptions,
  type MessageHandledEvent,
} from '../../../lib/runtime';
import { MessageDispatcher } from '../../../lib/runtime/message.dispatcher';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  uniquePrefix,
} from '../../support/redis';

const AGENT = { type: 'consumer-under-test', instance: 'default' };
const SENDER = { type: 'feeder' };

/** A gate a handler waits on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('AgentWorker on Redis', () => {
  const client = createClient();
  const prefix = uniquePrefix('consumer');
  const coordinator = new RedisMessageCoordinator(client, { keyPrefix: prefix });
  const workers: AgentWorker[] = [];
  const silent = silentLogger;

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
  ): { loop: AgentWorker; handled: MessageHandledEvent[] } {
    const handled: MessageHandledEvent[] = [];
    const loop = new AgentWorker(
      coordinator,
      {
        agent: AGENT,
        receiveWaitMs: 200,
        logger: silent,
        instrumentation: { handled: (event) => handled.push(event) },
        ...options,
      },
      async (payload) => {
        await handle(payload);
      },
    );
    workers.push(loop);
    loop.start();
    return { loop, handled };
  }

  async function send(count: number, from = 0): Promise<void> {
    for (let i = from; i < from + count; i += 1) {
      const sent = await coordinator.sendMessage(SENDER, AGENT, {
        messageType: MessageType.EVENT,
        payload: { i },
      });
      expect(sent.delivered).toBe(true);
    }
  }

  it('feeds a busy agent through ackAndReceive: one round trip per message, not a receive each', async () => {
    await send(40);
    const receive = jest.spyOn(coordinator, 'receive');
    const ackAndReceive = jest.spyOn(coordinator, 'ackAndReceive');
    const ack = jest.spyOn(coordinator, 'ack');
    const seen: number[] = [];
    const { handled } = start((payload) => void seen.push(payload.i as number), {
      concurrency: 1,
    });
    expect(await eventually(() => handled.length === 40, 10_000)).toBe(true);
    // FIFO within the priority, every message once, every one acknowledged.
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(handled.every((event) => event.outcome === 'acked')).toBe(true);
    // The loop reserved the first message; each acknowledgement reserved the next one.
    expect(ackAndReceive).toHaveBeenCalledTimes(40);
    expect(ack).not.toHaveBeenCalled();
    const receivesThatFoundWork = await Promise.all(
      receive.mock.results.map((r) => r.value as Promise<ReceivedMessage | null>),
    );
    expect(receivesThatFoundWork.filter((d) => d !== null)).toHaveLength(1);
    expect(await coordinator.stats(AGENT)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  /** Handles `count` queued messages, each taking `ms`; resolves to the most run at once. */
  async function peakConcurrency(count: number, concurrency: number, ms: number): Promise<number> {
    await send(count);
    let running = 0;
    let peak = 0;
    const { handled } = start(
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running -= 1;
      },
      { concurrency },
    );
    expect(await eventually(() => handled.length === count, 10_000)).toBe(true);
    return peak;
  }

  it('runs up to `concurrency` chains at once, never more', async () => {
    expect(await peakConcurrency(30, 4, 5)).toBe(4);
  });

  it('lets more than ten running handlers listen to its shutdown signal without a leak warning', async () => {
    const dispatch = jest.spyOn(MessageDispatcher.prototype, 'dispatch');
    expect(await peakConcurrency(24, 12, 20)).toBe(12);
    // Every running handler adds one listener to the signal the loop hands the dispatcher:
    // Node warns of a leak past its limit, which must allow the whole concurrency.
    const abandon = dispatch.mock.calls[0][1];
    expect(getMaxListeners(abandon)).toBeGreaterThanOrEqual(12);
  });

  it('returns expired reservations to the queue while every slot is busy', async () => {
    const blocker = gate();
    await send(1);
    const { loop } = start(() => blocker.wait, { concurrency: 1, recoverIntervalMs: 50 });
    expect(await eventually(() => loop.status().inFlight === 1)).toBe(true);
    // Another consumer of the same agent reserves a message and dies holding it.
    await send(1, 1);
    const orphan = await coordinator.receive(AGENT, 20);
    expect(orphan?.queueMessage.message.payload).toEqual({ i: 1 });
    // The loop is full, yet its timer brings the lapsed reservation back to the ready list.
    expect(await eventually(async () => (await coordinator.stats(AGENT)).ready === 1, 5_000)).toBe(
      true,
    );
    expect(loop.status().inFlight).toBe(1);
    blocker.open();
  });

  it('acknowledges without reserving more once stopping, leaving the rest queued', async () => {
    const blocker = gate();
    await send(3);
    const ackAndReceive = jest.spyOn(coordinator, 'ackAndReceive');
    const { loop, handled } = start(() => blocker.wait, { concurrency: 1 });
    expect(await eventually(() => loop.status().inFlight === 1)).toBe(true);
    const stopped = loop.close();
    blocker.open();
    expect(await stopped).toEqual({ abandoned: 0 });
    expect(handled.map((event) => event.outcome)).toEqual(['acked']);
    expect(ackAndReceive).not.toHaveBeenCalled();
    expect(await coordinator.stats(AGENT)).toEqual({
      ready: 2,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('abandons a handler that outlives the grace period; its message stays reserved', async () => {
    await send(1);
    const { loop, handled } = start(() => new Promise<void>(() => undefined), {
      shutdownTimeoutMs: 50,
    });
    expect(await eventually(() => loop.status().inFlight === 1)).toBe(true);
    const abandonedBefore = handled.length;
    expect(await loop.close()).toEqual({ abandoned: 1 });
    expect(abandonedBefore).toBe(0);
    expect(loop.status()).toMatchObject({ running: false, received: 1 });
    expect((await coordinator.stats(AGENT)).reserved).toBe(1);
  });

  it('never recovers when recoverIntervalMs is 0, busy or idle', async () => {
    const recover = jest.spyOn(coordinator, 'recoverPending');
    const blocker = gate();
    await send(2);
    const { loop, handled } = start(() => blocker.wait, { concurrency: 1, recoverIntervalMs: 0 });
    expect(await eventually(() => loop.status().inFlight === 1)).toBe(true);
    blocker.open();
    expect(await eventually(() => handled.length === 2)).toBe(true);
    expect(recover).not.toHaveBeenCalled();
  });

  it('a receive that fails because the worker is closing is no error', async () => {
    jest.spyOn(coordinator, 'receive').mockImplementation((_agent, _visibility, options) => {
      const signal = options!.signal!;
      return new Promise((_resolve, reject) => {
        const interrupted = (): void => reject(new Error('interrupted'));
        if (signal.aborted) interrupted();
        else signal.addEventListener('abort', interrupted);
      });
    });
    const { loop } = start(() => undefined);
    expect(await eventually(() => loop.status().running)).toBe(true);
    expect(await loop.close()).toEqual({ abandoned: 0 });
    expect(loop.status().consecutiveErrors).toBe(0);
  });

  it('counts receive failures, backs off, and carries on once Redis answers again', async () => {
    const receive = jest.spyOn(coordinator, 'receive');
    receive
      .mockRejectedValueOnce(new Error('connection lost'))
      .mockRejectedValueOnce(new Error('connection lost'));
    const { loop, handled } = start(() => undefined, { errorBackoffMs: 20 });
    expect(await eventually(() => loop.status().consecutiveErrors === 2)).toBe(true);
    await send(1);
    expect(await eventually(() => handled.length === 1)).toBe(true);
    expect(loop.status().consecutiveErrors).toBe(0);
    expect(loop.status().received).toBe(1);
  });
});

describe('AgentWorker options and lifecycle', () => {
  const coordinator = {} as RedisMessageCoordinator;
  const handler = (): undefined => undefined;

  it('fills in the documented defaults', () => {
    const worker = new AgentWorker(coordinator, { agent: { type: 'w' } }, handler);
    expect(worker.agent).toEqual({ type: 'w', instance: 'default' });
    expect(worker.options).toMatchObject({
      concurrency: 1,
      visibilityTimeoutMs: 30_000,
      shutdownTimeoutMs: 10_000,
      recoverIntervalMs: 5_000,
      handlerTimeoutMs: undefined,
      logger: console,
    });
    expect(worker.options.classifyError(new Error('x'))).toBeUndefined();
  });

  it('rejects bad options with typed errors naming the field', () => {
    const make =
      (options: unknown, h: unknown = handler) =>
      () =>
        new AgentWorker(coordinator, options as AgentWorkerOptions, h as typeof handler);
    expect(make(null)).toThrow(ConfigurationError);
    expect(make({ agent: { type: 'bad id!' } })).toThrow(ValidationError);
    expect(make({ agent: { type: 'w' }, concurrency: 0 })).toThrow(/concurrency/);
    expect(make({ agent: { type: 'w' }, visibilityTimeoutMs: 1.5 })).toThrow(/visibilityTimeoutMs/);
    expect(make({ agent: { type: 'w' }, handlerTimeoutMs: 0 })).toThrow(/handlerTimeoutMs/);
    expect(make({ agent: { type: 'w' }, classifyError: 'permanent' })).toThrow(/classifyError/);
    expect(make({ agent: { type: 'w' } }, 'not a handler')).toThrow(/handler/);
    expect(make({ agent: { type: 'w' } }, { handles: 'x' })).toThrow(ConfigurationError);
  });

  it('closes once, returns the same result again, and cannot start after closing', async () => {
    const worker = new AgentWorker(coordinator, { agent: { type: 'w' } }, handler);
    const first = worker.close();
    expect(worker.close()).toBe(first);
    expect(await first).toEqual({ abandoned: 0 });
    expect(() => worker.start()).toThrow(ClosedError);
    expect(worker.status().running).toBe(false);
  });
});
