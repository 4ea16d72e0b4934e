import {
  FailureType,
  HandlerTimeoutError,
  MessageType,
  OperationAbortedError,
  silentLogger,
  type MessageCoordinator,
  type ReceivedMessage,
} from '../../../lib';
import type { AgentMessageContext, MessageHandledEvent } from '../../../lib/runtime';
import { resolveWorkerOptions } from '../../../lib/runtime/agent-worker.options';
import { expiryOf, MessageDispatcher } from '../../../lib/runtime/message.dispatcher';

/** A coordinator that acknowledges, extends and nacks without Redis. */
function fakeCoordinator(): MessageCoordinator {
  return {
    ack: jest.fn().mockResolvedValue(true),
    extend: jest.fn().mockResolvedValue(true),
    nack: jest.fn().mockResolvedValue('retried'),
  } as unknown as MessageCoordinator;
}

function delivery(token: string, extra: Record<string, unknown> = {}): ReceivedMessage {
  return {
    token,
    visibilityDeadline: new Date(Date.now() + 30_000).toISOString(),
    queueMessage: {
      priority: 5,
      enqueuedAt: new Date().toISOString(),
      deliveryAttempts: 0,
      message: {
        messageId: `msg-${token}`,
        sender: { type: 's', instance: 'default' },
        recipient: { type: 'a', instance: 'default' },
        messageType: MessageType.EVENT,
        payload: {},
        ...extra,
      },
    },
  };
}

function dispatcherWith(
  handle: (payload: unknown, context: AgentMessageContext) => unknown,
  options: { handlerTimeoutMs?: number } = {},
) {
  const handled: MessageHandledEvent[] = [];
  const coordinator = fakeCoordinator();
  const dispatcher = new MessageDispatcher(
    coordinator,
    resolveWorkerOptions({
      agent: { type: 'a' },
      logger: silentLogger,
      instrumentation: { handled: (event) => handled.push(event) },
      ...options,
    }),
    { handlerFor: () => ({ handle }), handles: 'every message' },
  );
  const ack = (token: string) => coordinator.ack({ type: 'a' }, token);
  return { dispatcher, handled, coordinator, ack };
}

describe('a handler run', () => {
  it('makes its signal only when the handler asks, already fired when asked after its limit passed', async () => {
    let reason: unknown;
    const { dispatcher, handled, coordinator, ack } = dispatcherWith(
      async (_payload, context) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        // First asked for after the time limit fired.
        expect(context.signal.aborted).toBe(true);
        reason = context.signal.reason;
        throw new Error('gave up');
      },
      { handlerTimeoutMs: 5 },
    );
    await dispatcher.dispatch(delivery('1:0:late-signal'), new AbortController().signal, ack);
    expect(reason).toBeInstanceOf(HandlerTimeoutError);
    expect(coordinator.nack).toHaveBeenCalledWith(
      expect.anything(),
      '1:0:late-signal',
      FailureType.TIMEOUT,
      expect.stringMatching(/timed out after 5 ms/),
    );
    expect(handled[0]).toMatchObject({ outcome: 'retried', failed: true });
  });

  it('is told to stop by the shutdown signal it was dispatched with, not by another', async () => {
    const reasons = new Map<string, unknown>();
    const release: (() => void)[] = [];
    const { dispatcher, handled, ack } = dispatcherWith(
      (_payload, context) =>
        new Promise<void>((resolve) => {
          context.signal.addEventListener('abort', () =>
            reasons.set(context.token, context.signal.reason),
          );
          release.push(resolve);
        }),
    );
    const first = new AbortController();
    const second = new AbortController();
    const runs = [
      dispatcher.dispatch(delivery('1:0:first-run'), first.signal, ack),
      dispatcher.dispatch(delivery('2:0:second-run'), second.signal, ack),
      dispatcher.dispatch(delivery('3:0:third-run'), first.signal, ack),
    ];
    await new Promise((resolve) => setTimeout(resolve, 10));
    first.abort();
    expect([...reasons.keys()].sort()).toEqual(['1:0:first-run', '3:0:third-run']);
    expect(reasons.get('1:0:first-run')).toBeInstanceOf(OperationAbortedError);
    for (const resolve of release) resolve();
    await Promise.all(runs);
    expect(handled.map((event) => [event.messageId, event.outcome]).sort()).toEqual([
      ['msg-1:0:first-run', 'unsettled'],
      ['msg-2:0:second-run', 'acked'],
      ['msg-3:0:third-run', 'unsettled'],
    ]);
  });

  it('reports the correlation id, and the error of an unsettled delivery, in the handled event', async () => {
    const { dispatcher, handled, coordinator } = dispatcherWith(() => undefined);
    (coordinator.ack as jest.Mock).mockResolvedValueOnce(false);
    await dispatcher.dispatch(
      delivery('1:0:correlated', { correlationId: 'conversation-1' }),
      new AbortController().signal,
      (token) => coordinator.ack({ type: 'a' }, token),
    );
    expect(handled[0]).toMatchObject({
      correlationId: 'conversation-1',
      outcome: 'unsettled',
      error: 'reservation lost before ack',
    });
    await dispatcher.dispatch(delivery('2:0:plain'), new AbortController().signal, (token) =>
      coordinator.ack({ type: 'a' }, token),
    );
    expect(handled[1]).not.toHaveProperty('correlationId');
    expect(handled[1]).not.toHaveProperty('error');
  });
});

describe('a dispatcher', () => {
  it('runs handlers without instrumentation, and shares one timer lane per time limit', async () => {
    const coordinator = fakeCoordinator();
    const dispatcher = new MessageDispatcher(
      coordinator,
      resolveWorkerOptions({ agent: { type: 'a' }, logger: silentLogger, handlerTimeoutMs: 1_000 }),
      { handlerFor: () => ({ handle: () => 'done' }), handles: 'every message' },
    );
    const ack = (token: string) => coordinator.ack({ type: 'a' }, token);
    await dispatcher.dispatch(delivery('1:0:plain-one'), new AbortController().signal, ack);
    await dispatcher.dispatch(delivery('2:0:plain-two'), new AbortController().signal, ack);
    expect(coordinator.ack).toHaveBeenCalledTimes(2);
    expect(coordinator.nack).not.toHaveBeenCalled();
  });
});

describe('expiryOf a prefetched delivery', () => {
  const VISIBILITY_MS = 1_000;
  const reserved = Date.parse('2030-01-01T00:00:10.000Z');
  const held = {
    ...delivery('1:0:held', { expiresAt: '2030-01-01T00:00:10.500Z' }),
    visibilityDeadline: new Date(reserved + VISIBILITY_MS).toISOString(),
  };

  it('judges the deadline when the handler would start: reserved in time, then held too long', () => {
    expect(expiryOf(held, VISIBILITY_MS)).toBeUndefined();
    expect(expiryOf(held, VISIBILITY_MS, 400)).toBeUndefined();
    expect(expiryOf(held, VISIBILITY_MS, 600)).toBe(
      'expired: its deadline 2030-01-01T00:00:10.500Z passed before its handler could start, 600 ms after it was reserved at 2030-01-01T00:00:10.000Z (Redis clock)',
    );
  });
});
