import { spawnSync } from 'node:child_process';
import { MessagePriority, MessageType } from '../../../lib/messaging/models/message.enums';
import type { AgentMessage } from '../../../lib/messaging/models/agent-message';
import type { ReceivedMessage } from '../../../lib/messaging/models/queue-message';
import { ReplyInbox, type InboxTransport } from '../../../lib/messaging/reply-inbox';
import { waitFor } from '../../support/wait';

/** Resolves once every callback queued so far (promise jobs included) has run. */
const settleTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * An inbox queue in memory: `receive` hands out what was pushed, or waits for a push (or the
 * signal); it counts calls and how many are in flight at once.
 */
class FakeTransport implements InboxTransport {
  receives = 0;
  active = 0;
  mostActive = 0;
  /** Receives that reject before handing anything out. */
  failures = 0;
  readonly acked: string[] = [];
  /** Every ack, expire and remove, in call order. */
  readonly calls: string[] = [];
  /** Whether `remove` rejects. */
  removeFails = false;
  private readonly queued: ReceivedMessage[] = [];
  private wake: (() => void) | undefined;

  push(message: Partial<AgentMessage>): void {
    const token = `token-${this.queued.length + this.acked.length + 1}`;
    this.queued.push({
      token,
      visibilityDeadline: new Date(0).toISOString(),
      queueMessage: {
        message: {
          messageId: token,
          sender: { type: 'responder', instance: 'default' },
          recipient: { type: '_replies', instance: 'x' },
          messageType: MessageType.RESPONSE,
          payload: {},
          ...message,
        },
        priority: MessagePriority.NORMAL,
        enqueuedAt: new Date(0).toISOString(),
        deliveryAttempts: 0,
      },
    });
    this.wake?.();
  }

  async receive(
    _agent: unknown,
    _visibilityTimeoutMs: number,
    options: { waitMs: number; signal: AbortSignal },
  ): Promise<ReceivedMessage | null> {
    this.receives++;
    this.active++;
    this.mostActive = Math.max(this.mostActive, this.active);
    try {
      if (this.failures > 0) {
        this.failures--;
        throw new Error('connection lost');
      }
      while (this.queued.length === 0 && !options.signal.aborted) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          options.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      // An empty answer comes on a later turn, as from a server.
      if (this.queued.length === 0) await settleTurn();
      return this.queued.shift() ?? null;
    } finally {
      this.active--;
    }
  }

  ack(_agent: unknown, token: string): Promise<boolean> {
    this.acked.push(token);
    this.calls.push(`ack ${token}`);
    return Promise.resolve(true);
  }

  expire(_agent: unknown, ttlMs: number): Promise<number> {
    this.calls.push(`expire ${ttlMs}`);
    return Promise.resolve(1);
  }

  remove(): Promise<number> {
    this.calls.push('remove');
    return this.removeFails ? Promise.reject(new Error('redis away')) : Promise.resolve(1);
  }
}

const TTL_MS = 60_000;

describe('ReplyInbox', () => {
  let transport: FakeTransport;
  let inbox: ReplyInbox;

  beforeEach(() => {
    transport = new FakeTransport();
    inbox = new ReplyInbox(transport, TTL_MS);
  });

  afterEach(async () => {
    jest.useRealTimers();
    await inbox.close();
  });

  const noop = (): Promise<void> => Promise.resolve();

  describe('expiry of its keys', () => {
    it('sets the time to live with each acknowledgement, after it', async () => {
      const answer = inbox.await('corr-ttl', 10_000, noop);
      transport.push({ correlationId: 'corr-ttl', payload: {} });
      await answer;
      expect(transport.calls.slice(-2)).toEqual(['ack token-1', `expire ${TTL_MS}`]);
    });

    it('sets it while requests wait, at most every third of it', async () => {
      const expiredAt: number[] = [];
      const idle: InboxTransport = {
        receive: () => new Promise((resolve) => setTimeout(() => resolve(null), 1)),
        ack: () => Promise.resolve(true),
        expire: () => Promise.resolve(expiredAt.push(Date.now())),
        remove: () => Promise.resolve(0),
      };
      const short = new ReplyInbox(idle, 150);
      const waiting = short.await('corr-idle', 10_000, noop).catch(() => undefined);
      await waitFor('three expiries', () => (expiredAt.length >= 3 ? true : undefined), 10_000);
      await short.close();
      await waiting;
      // The first empty wait sets it; each later one only once 50 ms have passed (less 1 ms:
      // the inbox and this fake read the clock a moment apart).
      for (let i = 1; i < expiredAt.length; i++) {
        expect(expiredAt[i] - expiredAt[i - 1]).toBeGreaterThanOrEqual(49);
      }
    });

    it('close deletes the keys of an inbox that was used, and only then', async () => {
      await inbox.close();
      expect(transport.calls).not.toContain('remove');
      const used = new ReplyInbox(transport, TTL_MS);
      const pending = used.await('corr-close', 10_000, noop).catch((error: Error) => error);
      await used.close();
      expect(await pending).toBeInstanceOf(Error);
      expect(transport.calls.at(-1)).toBe('remove');
    });

    it('close resolves when deleting the keys fails: they expire on their own', async () => {
      transport.removeFails = true;
      const pending = inbox.await('corr-away', 10_000, noop).catch(() => undefined);
      await expect(inbox.close()).resolves.toBeUndefined();
      await pending;
      expect(transport.calls.at(-1)).toBe('remove');
    });
  });

  it('drains the inbox with one loop however many requests wait', async () => {
    const first = inbox.await('corr-1', 10_000, noop);
    const second = inbox.await('corr-2', 10_000, noop);
    await settleTurn();
    expect(transport.receives).toBe(1);
    transport.push({ correlationId: 'corr-2', payload: { n: 2 } });
    transport.push({ correlationId: 'corr-1', payload: { n: 1 } });
    expect((await second).payload).toEqual({ n: 2 });
    expect((await first).payload).toEqual({ n: 1 });
    expect(transport.mostActive).toBe(1);
  });

  it('stops receiving once no request waits, and starts again for the next one', async () => {
    const first = inbox.await('corr-a', 10_000, noop);
    await settleTurn();
    transport.push({ correlationId: 'corr-a' });
    await first;
    await settleTurn();
    expect(transport.receives).toBe(1);
    expect(transport.active).toBe(0);
    // Something arriving now stays in the inbox until a request waits again.
    transport.push({ correlationId: 'corr-b', payload: { early: true } });
    await settleTurn();
    expect(transport.acked).toEqual(['token-1']);
    expect((await inbox.await('corr-b', 10_000, noop)).payload).toEqual({ early: true });
    await settleTurn();
    expect(transport.receives).toBe(2);
    expect(transport.active).toBe(0);
  });

  it('settles a request only with a RESPONSE, not with other types carrying its id', async () => {
    const pending = inbox.await('corr-typed', 10_000, noop);
    transport.push({ messageType: MessageType.EVENT, correlationId: 'corr-typed' });
    transport.push({ messageType: MessageType.REQUEST, correlationId: 'corr-typed' });
    transport.push({ correlationId: 'corr-typed', payload: { answer: true } });
    const response = await pending;
    expect(response.messageType).toBe(MessageType.RESPONSE);
    expect(response.payload).toEqual({ answer: true });
    // Every one was taken off the inbox.
    expect(transport.acked).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it('a RESPONSE nobody waits for is dropped without holding up the next one', async () => {
    transport.push({ correlationId: 'corr-gone' });
    transport.push({ correlationId: 'corr-next', payload: { next: true } });
    const pending = inbox.await('corr-next', 10_000, noop);
    // Both are handled in the same turn: no pause as after a failed receive.
    const outcome = await Promise.race([pending, settleTurn().then(() => 'still waiting')]);
    expect(outcome).toMatchObject({ payload: { next: true } });
  });

  it('pauses after a failed receive before trying again', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    transport.failures = 1;
    const pending = inbox.await('corr-retry', 10_000, noop);
    await settleTurn();
    expect(transport.receives).toBe(1);
    await jest.advanceTimersByTimeAsync(99);
    expect(transport.receives).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(transport.receives).toBe(2);
    transport.push({ correlationId: 'corr-retry', payload: { recovered: true } });
    expect((await pending).payload).toEqual({ recovered: true });
  });

  it('a send that fails after the answer came keeps the answer', async () => {
    const pending = inbox.await('corr-early', 10_000, async () => {
      transport.push({ correlationId: 'corr-early', payload: { early: true } });
      await settleTurn();
      throw new Error('send failed late');
    });
    expect((await pending).payload).toEqual({ early: true });
  });

  it('a request aborted, timed out or closed while its send is going rejects only to its caller', () => {
    // In a plain Node process, where an unhandled rejection ends the process with code 1.
    const script = `
      const { ReplyInbox } = require('./lib/messaging/reply-inbox');
      const idle = { receive: (_a, _v, { signal }) => new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(null))), ack: async () => true,
        expire: async () => 1, remove: async () => 1 };
      const inbox = new ReplyInbox(idle, 60000);
      const slowSend = () => new Promise((resolve) => setTimeout(resolve, 20));
      const aborts = new AbortController();
      const requests = [
        inbox.await('corr-abort', 10000, slowSend, aborts.signal),
        inbox.await('corr-timeout', 1, slowSend),
        inbox.await('corr-close', 10000, slowSend),
      ];
      Promise.allSettled(requests).then((outcomes) =>
        console.log(outcomes.map((o) => o.reason.constructor.name).join(' ')));
      aborts.abort();
      setTimeout(() => void inbox.close(), 10);
    `;
    const run = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      {
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('OperationAbortedError RequestTimeoutError ClosedError');
  });

  it('a send that fails rejects the request with its error', async () => {
    const failure = new Error('queue full');
    await expect(inbox.await('corr-failed', 10_000, () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
  });
});
