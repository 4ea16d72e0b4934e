import {
  ConfigurationError,
  MessageType,
  RedisMessageCoordinator,
  silentLogger,
  type AckAndReceiveManyResult,
  type MessageCoordinator,
  type ReceivedMessage,
} from '../../../lib';
import {
  AgentWorker,
  type AgentWorkerOptions,
  type MessageHandledEvent,
} from '../../../lib/runtime';
import { RecordingLogger } from '../../support/logger';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  sleep,
  uniquePrefix,
} from '../../support/redis';

const AGENT = { type: 'prefetching', instance: 'default' };
const SENDER = { type: 'feeder' };

/** A gate a handler waits on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('AgentWorker with prefetch', () => {
  const client = createClient();
  const prefix = uniquePrefix('prefetch');
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
    handle: (payload: Record<string, unknown>, id: string) => Promise<void> | void,
    options: Partial<AgentWorkerOptions> = {},
  ): { worker: AgentWorker; handled: MessageHandledEvent[]; logger: RecordingLogger } {
    const handled: MessageHandledEvent[] = [];
    const logger = new RecordingLogger();
    const worker = new AgentWorker(
      coordinator,
      {
        agent: AGENT,
        receiveWaitMs: 200,
        logger,
        instrumentation: { handled: (event) => handled.push(event) },
        ...options,
      },
      async (payload, context) => {
        await handle(payload, context.message.messageId);
      },
    );
    workers.push(worker);
    worker.start();
    return { worker, handled, logger };
  }

  async function send(ids: string[], extra: { expiresAt?: string } = {}): Promise<void> {
    for (const [i, messageId] of ids.entries()) {
      const sent = await coordinator.sendMessage(SENDER, AGENT, {
        messageId,
        messageType: MessageType.EVENT,
        payload: { i },
        ...extra,
      });
      expect(sent.delivered).toBe(true);
    }
  }

  const ids = (count: number, name = 'prefetched'): string[] =>
    Array.from({ length: count }, (_, i) => `${name}-${String(i).padStart(3, '0')}`);

  it('runs every message once and in order, one per handler call, in fewer round trips than messages', async () => {
    await send(ids(30));
    const settleMany = jest.spyOn(coordinator, 'ackAndReceiveMany');
    const settleOne = jest.spyOn(coordinator, 'ackAndReceive');
    const seen: number[] = [];
    let running = 0;
    let peak = 0;
    const { handled } = start(
      (payload) => {
        running += 1;
        peak = Math.max(peak, running);
        seen.push(payload.i as number);
        running -= 1;
      },
      { concurrency: 1, prefetch: 5 },
    );
    expect(await eventually(() => handled.length === 30, 10_000)).toBe(true);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(peak).toBe(1);
    expect(handled.every((event) => event.outcome === 'acked')).toBe(true);
    expect(settleOne).not.toHaveBeenCalled();
    // The buffer's messages are settled together: several acknowledgements per call.
    expect(settleMany.mock.calls.length).toBeLessThan(30);
    expect(Math.max(...settleMany.mock.calls.map((call) => call[1].length))).toBeGreaterThan(1);
    expect(await coordinator.stats(AGENT)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('keeps waiting messages reserved past their visibility timeout, so no other consumer runs them', async () => {
    await send(ids(5, 'waiting'));
    const extend = jest.spyOn(coordinator, 'extend');
    const runs: string[] = [];
    let recovered = 0;
    let recovering = true;
    // Another consumer of the agent returns lapsed reservations all along.
    const recovery = (async () => {
      while (recovering) {
        recovered += await coordinator.recoverPending(AGENT);
        await sleep(10);
      }
    })();
    const { handled } = start(
      async (_payload, id) => {
        runs.push(id);
        await sleep(200);
      },
      { concurrency: 1, prefetch: 4, visibilityTimeoutMs: 300 },
    );
    expect(await eventually(() => handled.length === 5, 10_000)).toBe(true);
    recovering = false;
    await recovery;
    // The last waited about four handlers (800 ms) in the buffer, over two timeouts.
    expect(runs).toEqual(ids(5, 'waiting'));
    expect(recovered).toBe(0);
    expect(handled.map((event) => event.outcome)).toEqual(Array(5).fill('acked'));
    const extendedWhileWaiting = new Set(extend.mock.calls.map((call) => call[1].split(':')[2]));
    expect(extendedWhileWaiting.has('waiting-004')).toBe(true);
  });

  it('gives the messages no handler started back to the front when it closes: nothing lost, nothing run twice', async () => {
    await send(ids(6, 'closing'));
    const blocker = gate();
    const runs: string[] = [];
    const first = start(
      async (_payload, id) => {
        runs.push(id);
        await blocker.wait;
      },
      { concurrency: 1, prefetch: 4 },
    );
    // One running, four waiting in the buffer, one left in the queue.
    expect(
      await eventually(async () => (await coordinator.stats(AGENT)).reserved === 5, 5_000),
    ).toBe(true);
    const closing = first.worker.close();
    expect(await eventually(async () => (await coordinator.stats(AGENT)).ready === 5, 5_000)).toBe(
      true,
    );
    blocker.open();
    expect(await closing).toEqual({ abandoned: 0 });
    expect(first.handled.map((event) => [event.messageId, event.outcome])).toEqual([
      ['closing-000', 'acked'],
    ]);
    const attempts: number[] = [];
    start(
      (_payload, id) => {
        runs.push(id);
      },
      {
        concurrency: 1,
        instrumentation: { received: (event) => attempts.push(event.attempt) },
      },
    );
    expect(await eventually(() => runs.length === 6, 5_000)).toBe(true);
    await sleep(50);
    expect(runs).toEqual(ids(6, 'closing'));
    // Released, not recovered: no delivery attempt was counted.
    expect(attempts).toEqual([1, 1, 1, 1, 1]);
    expect((await coordinator.stats(AGENT)).reserved).toBe(0);
  });

  it('starts a waiting message at once on a free slot', async () => {
    await send(['alone-first']);
    const blocker = gate();
    const runs: string[] = [];
    let running = 0;
    let peak = 0;
    const { handled } = start(
      async (_payload, id) => {
        runs.push(id);
        running += 1;
        peak = Math.max(peak, running);
        if (id === 'alone-first') await blocker.wait;
        else await sleep(20);
        running -= 1;
      },
      { concurrency: 2, prefetch: 2 },
    );
    expect(await eventually(() => runs.length === 1)).toBe(true);
    // More arrive while one chain runs: its acknowledgement fills the buffer, and the buffer
    // the free slot.
    await send(ids(6, 'later'));
    blocker.open();
    expect(await eventually(() => handled.length === 7, 5_000)).toBe(true);
    expect(peak).toBe(2);
    expect([...runs].sort()).toEqual(['alone-first', ...ids(6, 'later')].sort());
  });

  it('gives back what an acknowledgement under way reserves after the worker stopped', async () => {
    await send(ids(8, 'late'));
    const reply = gate();
    const original = coordinator.ackAndReceiveMany.bind(coordinator);
    let held = 0;
    const settleMany = jest
      .spyOn(coordinator, 'ackAndReceiveMany')
      .mockImplementation(async (...args): Promise<AckAndReceiveManyResult> => {
        const result = await original(...args);
        if (held++ === 0) await reply.wait;
        return result;
      });
    const release = jest.spyOn(coordinator, 'release');
    const runs: string[] = [];
    const { worker } = start((_payload, id) => void runs.push(id), { concurrency: 1, prefetch: 2 });
    expect(await eventually(() => settleMany.mock.calls.length > 0)).toBe(true);
    const closing = worker.close();
    await sleep(20);
    reply.open();
    await closing;
    const given = release.mock.calls.flatMap((call) => call[1]).map((t) => t.split(':')[2]);
    expect(given.length).toBeGreaterThan(0);
    expect(given.some((id) => runs.includes(id))).toBe(false);
    expect((await coordinator.stats(AGENT)).reserved).toBe(0);
    expect((await coordinator.stats(AGENT)).ready).toBe(8 - runs.length);
  });

  it('dead-letters a message whose deadline passed while it waited in the buffer', async () => {
    await send(['slow-first']);
    await send(['soon-stale'], { expiresAt: new Date(Date.now() + 1_000).toISOString() });
    const { handled } = start(
      async (_payload, id) => {
        if (id === 'slow-first') await sleep(1_500);
      },
      { concurrency: 1, prefetch: 2 },
    );
    expect(await eventually(() => handled.length === 2, 5_000)).toBe(true);
    const stale = handled.find((event) => event.messageId === 'soon-stale');
    expect(stale).toMatchObject({ outcome: 'dead-lettered', handled: false });
    expect(stale!.error).toMatch(/passed before its handler could start, \d+ ms after/);
  });

  it('drops, and never starts, a waiting message whose reservation was lost', async () => {
    await send(['blocking-one', 'lost-one']);
    const blocker = gate();
    const original = coordinator.extend.bind(coordinator);
    jest
      .spyOn(coordinator, 'extend')
      .mockImplementation((agent, token, ms) =>
        token.endsWith(':lost-one') ? Promise.resolve(false) : original(agent, token, ms),
      );
    const runs: string[] = [];
    const { worker, logger } = start(
      async (_payload, id) => {
        runs.push(id);
        await blocker.wait;
      },
      { concurrency: 1, prefetch: 2, visibilityTimeoutMs: 60 },
    );
    expect(
      await eventually(() => logger.matching(/lost-one lost its reservation/).length > 0),
    ).toBe(true);
    blocker.open();
    await worker.close();
    expect(runs).toEqual(['blocking-one']);
  });

  it('says so when giving messages back fails, and leaves them to recovery', async () => {
    await send(ids(3, 'unreleased'));
    const blocker = gate();
    jest.spyOn(coordinator, 'release').mockRejectedValue(new Error('connection lost'));
    const { worker, logger } = start(() => blocker.wait, { concurrency: 1, prefetch: 2 });
    expect(
      await eventually(async () => (await coordinator.stats(AGENT)).reserved === 3, 5_000),
    ).toBe(true);
    const closing = worker.close();
    expect(
      await eventually(
        () => logger.matching(/releasing 2 prefetched message\(s\) failed/).length > 0,
      ),
    ).toBe(true);
    blocker.open();
    await closing;
    expect(await coordinator.stats(AGENT)).toMatchObject({ ready: 0, reserved: 2 });
  });

  it('logs an extension of a waiting message that failed, and keeps it', async () => {
    await send(['busy-one', 'kept-one']);
    const blocker = gate();
    const original = coordinator.extend.bind(coordinator);
    let failures = 0;
    jest.spyOn(coordinator, 'extend').mockImplementation((agent, token, ms) => {
      if (token.endsWith(':kept-one') && failures++ === 0) {
        return Promise.reject(new Error('timeout'));
      }
      return original(agent, token, ms);
    });
    const runs: string[] = [];
    const { handled, logger } = start(
      async (_payload, id) => {
        runs.push(id);
        if (id === 'busy-one') await blocker.wait;
      },
      { concurrency: 1, prefetch: 1, visibilityTimeoutMs: 300 },
    );
    expect(
      await eventually(() => logger.matching(/extend of prefetched kept-one failed/).length > 0),
    ).toBe(true);
    // The next extension, a third of the timeout later, keeps it reserved past its timeout.
    await sleep(400);
    blocker.open();
    expect(await eventually(() => handled.length === 2)).toBe(true);
    expect(runs).toEqual(['busy-one', 'kept-one']);
    expect(handled.map((event) => event.outcome)).toEqual(['acked', 'acked']);
  });
});

describe('the prefetch option', () => {
  it('takes 0 to 500, and defaults to 0', () => {
    const coordinator = {} as RedisMessageCoordinator;
    const make = (prefetch: unknown) => () =>
      new AgentWorker(
        coordinator,
        { agent: { type: 'w' }, prefetch } as AgentWorkerOptions,
        () => {},
      );
    expect(make(undefined)().options.prefetch).toBe(0);
    expect(make(500)().options.prefetch).toBe(500);
    expect(make(-1)).toThrow(ConfigurationError);
    expect(make(501)).toThrow(/prefetch/);
    expect(make(1.5)).toThrow(/prefetch/);
  });
});

describe('the prefetch buffer, on a scripted coordinator', () => {
  let seq = 0;
  function delivery(id: string): ReceivedMessage {
    seq += 1;
    return {
      token: `${seq}:0:${id}`,
      visibilityDeadline: new Date(Date.now() + 30_000).toISOString(),
      queueMessage: {
        priority: 5,
        enqueuedAt: new Date().toISOString(),
        deliveryAttempts: 0,
        message: {
          messageId: id,
          sender: { type: 's', instance: 'default' },
          recipient: { type: 'scripted', instance: 'default' },
          messageType: MessageType.EVENT,
          payload: {},
        },
      },
    };
  }

  /** Waits until `signal` fires, then finds nothing: a receive with no message coming. */
  const idle = (signal?: AbortSignal) =>
    new Promise<ReceivedMessage[]>((resolve) => {
      if (signal?.aborted) resolve([]);
      signal?.addEventListener('abort', () => resolve([]));
    });

  function scripted(overrides: Partial<Record<keyof MessageCoordinator, unknown>>) {
    return {
      receive: (_a: unknown, _v: unknown, options?: { signal?: AbortSignal }) =>
        idle(options?.signal).then(() => null),
      receiveMany: (_a: unknown, _n: unknown, _v: unknown, options?: { signal?: AbortSignal }) =>
        idle(options?.signal),
      ackAndReceiveMany: (_a: unknown, tokens: string[]) =>
        Promise.resolve({ acknowledged: tokens.map(() => true), next: [] }),
      ack: () => Promise.resolve(true),
      extend: () => Promise.resolve(true),
      release: () => Promise.resolve(0),
      recoverPending: () => Promise.resolve(0),
      ...overrides,
    } as unknown as MessageCoordinator;
  }

  it('starts a prefetched message on a free slot as soon as it arrives', async () => {
    let receives = 0;
    let settles = 0;
    const coordinator = scripted({
      receiveMany: (_a: unknown, _n: unknown, _v: unknown, options: { signal: AbortSignal }) =>
        receives++ === 0 ? Promise.resolve([delivery('first')]) : idle(options.signal),
      ackAndReceiveMany: (_a: unknown, tokens: string[]) =>
        Promise.resolve({
          acknowledged: tokens.map(() => true),
          next: settles++ === 0 ? [delivery('second'), delivery('third')] : [],
        }),
    });
    const runs: string[] = [];
    let running = 0;
    let peak = 0;
    const worker = new AgentWorker(
      coordinator,
      { agent: { type: 'scripted' }, concurrency: 2, prefetch: 1, logger: silentLogger },
      async (_payload, context) => {
        runs.push(context.message.messageId);
        running += 1;
        peak = Math.max(peak, running);
        await sleep(20);
        running -= 1;
      },
    );
    worker.start();
    expect(await eventually(() => runs.length === 3)).toBe(true);
    await worker.close();
    // The acknowledgement of the first brought two: one for its own chain, one for the slot
    // the loop, waiting for messages that do not come, could not fill.
    expect(peak).toBe(2);
    expect(runs).toEqual(['first', 'second', 'third']);
  });

  it('runs one extension of a waiting message at a time, and ignores a loss reported once it started', async () => {
    let extensions = 0;
    let running = 0;
    let peak = 0;
    const coordinator = scripted({
      receiveMany: (_a: unknown, _n: unknown, _v: unknown, options: { signal: AbortSignal }) =>
        extensions === 0 && running === 0
          ? Promise.resolve([delivery('blocking'), delivery('waiting')])
          : idle(options.signal),
      extend: async (_a: unknown, token: string) => {
        if (!token.endsWith(':waiting')) return true;
        extensions += 1;
        running += 1;
        peak = Math.max(peak, running);
        await sleep(60);
        running -= 1;
        // Lost, but by now the message has left the buffer for a handler.
        return false;
      },
    });
    const blocker = gate();
    const runs: string[] = [];
    const logger = new RecordingLogger();
    const worker = new AgentWorker(
      coordinator,
      {
        agent: { type: 'scripted' },
        concurrency: 1,
        prefetch: 1,
        visibilityTimeoutMs: 30,
        logger,
      },
      async (_payload, context) => {
        runs.push(context.message.messageId);
        if (context.message.messageId === 'blocking') await blocker.wait;
      },
    );
    worker.start();
    // Ticks every 10 ms while one extension takes 60 ms: they never overlap.
    expect(await eventually(() => extensions > 0)).toBe(true);
    await sleep(30);
    blocker.open();
    expect(await eventually(() => runs.length === 2)).toBe(true);
    await sleep(80);
    await worker.close();
    expect(peak).toBe(1);
    expect(runs).toEqual(['blocking', 'waiting']);
    expect(logger.matching(/lost its reservation while it waited/)).toEqual([]);
  });
});
