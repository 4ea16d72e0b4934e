import { Logger } from '@nestjs/common';
import { getMaxListeners } from 'node:events';
import { MessageType, RedisMessageCoordinator, type ReceivedMessage } from '../../../lib';
import { AgentConsumer } from '../../../lib/nest/agent-consumer';
import { AgentTracing } from '../../../lib/nest/agent-coordination.tracing';
import {
  DEFAULT_CONSUMER_OPTIONS,
  type ResolvedConsumerOptions,
} from '../../../lib/nest/agent-coordination-options.resolver';
import type { AgentDefinition } from '../../../lib/nest/agent.definition';
import { AgentMessageDispatcher } from '../../../lib/nest/agent-message.dispatcher';
import {
  AgentMessageEvents,
  type MessageHandledEvent,
} from '../../../lib/nest/agent-message.events';
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

describe('AgentConsumer on Redis', () => {
  const client = createClient();
  const prefix = uniquePrefix('consumer');
  const coordinator = new RedisMessageCoordinator(client, { keyPrefix: prefix });
  const consumers: AgentConsumer[] = [];

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    jest.restoreAllMocks();
    await deleteKeys(client, prefix);
  });

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(async () => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
    await coordinator.close();
    await closeClients();
  });

  function start(
    handle: (payload: Record<string, unknown>) => Promise<void> | void,
    consumer: Partial<ResolvedConsumerOptions> = {},
  ): { loop: AgentConsumer; handled: MessageHandledEvent[] } {
    const definition: AgentDefinition = {
      agentId: AGENT,
      name: AGENT.type,
      instance: {},
      options: { type: AGENT.type },
      consumer: { ...DEFAULT_CONSUMER_OPTIONS, receiveWaitMs: 200, ...consumer },
      handlers: new Map([
        [
          MessageType.EVENT,
          {
            methodName: 'handle',
            options: {},
            invoke: async (payload: unknown) => {
              await handle(payload as Record<string, unknown>);
            },
          },
        ],
      ]),
    };
    const events = new AgentMessageEvents();
    const handled: MessageHandledEvent[] = [];
    events.handled$.subscribe((event) => handled.push(event));
    const dispatcher = new AgentMessageDispatcher({
      coordinator,
      events,
      tracing: AgentTracing.create(null),
      retryAttempts: () => 3,
    });
    const loop = new AgentConsumer(definition, coordinator, dispatcher);
    consumers.push(loop);
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
    const dispatch = jest.spyOn(AgentMessageDispatcher.prototype, 'dispatch');
    expect(await peakConcurrency(24, 12, 20)).toBe(12);
    // Every running handler adds one listener to the signal the loop hands the dispatcher:
    // Node warns of a leak past its limit, which must allow the whole concurrency.
    const abandon = dispatch.mock.calls[0][2];
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
    const stopped = loop.stop();
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
    expect(await loop.stop()).toEqual({ abandoned: 1 });
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

  it('a receive that fails because the consumer is stopping is no error', async () => {
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
    expect(await loop.stop()).toEqual({ abandoned: 0 });
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
