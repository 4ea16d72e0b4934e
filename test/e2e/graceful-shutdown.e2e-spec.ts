import type { INestApplicationContext } from '@nestjs/common';
import {
  Agent,
  AgentMessageContext,
  MessageCoordinator,
  MessageType,
  OnAgentMessage,
  RedisMessageCoordinator,
} from '../../lib';
import { OutcomeRecorder, startAgentApp } from '../support/nest';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('e2e-shutdown');
const SLOW = { type: 'slow' };

/** Records what happened to each message across application restarts. */
const log: { event: string; messageId: string; aborted?: boolean }[] = [];

@Agent({ type: 'slow', consumer: { concurrency: 2 } })
class SlowAgent {
  @OnAgentMessage('event')
  async work(payload: { ms: number }, ctx: AgentMessageContext) {
    log.push({ event: 'start', messageId: ctx.message.messageId });
    await new Promise<void>((resolve) => {
      // Slow on the first delivery only, so a redelivery shows the message was kept.
      const timer = setTimeout(resolve, ctx.attempt === 1 ? payload.ms : 1);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    log.push({ event: ctx.signal.aborted ? 'aborted' : 'done', messageId: ctx.message.messageId });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return {};
  }
}

async function start(options: { shutdownTimeoutMs: number; visibilityTimeoutMs?: number }) {
  return startAgentApp({
    keyPrefix: prefix,
    providers: [SlowAgent],
    options: {
      consumer: {
        receiveWaitMs: 100,
        visibilityTimeoutMs: options.visibilityTimeoutMs ?? 600,
        shutdownTimeoutMs: options.shutdownTimeoutMs,
        recoverIntervalMs: 100,
      },
    },
  });
}

describe('graceful shutdown (e2e)', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  afterAll(async () => {
    await deleteKeys(createClient(), prefix);
    await closeClients();
  });

  it('lets an in-flight handler finish and acks it, while sending still works', async () => {
    app = await start({ shutdownTimeoutMs: 5_000 });
    const coordinator = app.get(MessageCoordinator);
    const outcomes = new OutcomeRecorder(app);
    // The consumer's receive loop, seen through the coordinator it shares.
    const receive = jest.spyOn(coordinator, 'receive');
    await coordinator.sendMessage({ type: 'tester' }, SLOW, {
      messageId: 'drain-1',
      messageType: MessageType.EVENT,
      payload: { ms: 400 },
    });
    expect(await eventually(() => log.some((l) => l.messageId === 'drain-1'), 3_000)).toBe(true);
    expect(receive).toHaveBeenCalled();
    const closing = app.close();
    app = undefined;
    // Sending works during the drain: once the loop stopped receiving (its signal fired, and
    // the receive under way then has returned; the loop makes no other), not 50 ms later.
    const lastReceive = () => receive.mock.calls[receive.mock.calls.length - 1];
    expect(await eventually(() => lastReceive()[2]?.signal?.aborted === true, 5_000)).toBe(true);
    await receive.mock.results[receive.mock.results.length - 1].value;
    receive.mockRestore();
    const sent = await coordinator.sendMessage({ type: 'tester' }, SLOW, {
      messageId: 'during-drain-1',
      messageType: MessageType.EVENT,
      payload: { ms: 1 },
    });
    expect(sent.delivered).toBe(true);
    await closing;
    expect(outcomes.of('drain-1').map((e) => e.outcome)).toEqual(['acked']);
    expect(log.filter((l) => l.messageId === 'drain-1').map((l) => l.event)).toEqual([
      'start',
      'done',
    ]);
    // The message sent during the drain was not taken by the stopping consumer: it waits for the next one.
    expect(log.some((l) => l.messageId === 'during-drain-1')).toBe(false);
    const probe = new RedisMessageCoordinator(createClient(), { keyPrefix: prefix });
    expect((await probe.stats(SLOW)).ready).toBe(1);
  });

  it('a handler still running after shutdownTimeoutMs loses nothing: the next application gets it again', async () => {
    app = await start({ shutdownTimeoutMs: 100 });
    const coordinator = app.get(MessageCoordinator);
    const first = new OutcomeRecorder(app);
    await coordinator.sendMessage({ type: 'tester' }, SLOW, {
      messageId: 'stuck-1',
      messageType: MessageType.EVENT,
      payload: { ms: 60_000 },
    });
    expect(
      await eventually(
        () => log.some((l) => l.messageId === 'stuck-1' && l.event === 'start'),
        3_000,
      ),
    ).toBe(true);
    await app.close();
    app = undefined;
    // Told to stop through its signal, and left reserved rather than acked or nacked.
    expect(log.filter((l) => l.messageId === 'stuck-1').map((l) => l.event)).toEqual([
      'start',
      'aborted',
    ]);
    expect(first.of('stuck-1').map((e) => e.outcome)).toEqual(['unsettled']);

    app = await start({ shutdownTimeoutMs: 5_000 });
    const second = new OutcomeRecorder(app);
    // The next consumer recovers the expired reservation and handles it (this time quickly).
    const redelivered = await second.waitFor('stuck-1', 'acked', 5_000);
    expect(redelivered.attempt).toBe(2);
    const stats = await app.get(MessageCoordinator).stats(SLOW);
    expect(stats.deadLettered).toBe(0);
  });
});
