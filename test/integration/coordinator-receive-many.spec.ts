import {
  MessageCoordinator,
  MessagePriority,
  RedisMessageCoordinator,
  type ReceivedMessage,
} from '../../lib/messaging';
import { MAX_RECEIVE_MANY } from '../../lib/messaging/redis-message-coordinator';
import { ValidationError } from '../../lib/errors';
import { rejectionOf } from '../support/errors';
import { createClient } from '../support/redis';
import { waitFor, whileWaiting } from '../support/wait';
import { CoordinatorFixture, EMPTY_QUEUE, event, planner } from './coordinator-fixture';

const ids = (deliveries: ReceivedMessage[]): string[] =>
  deliveries.map((d) => d.queueMessage.message.messageId);

describe('RedisMessageCoordinator: receiveMany and ackAndReceiveMany', () => {
  const fx = new CoordinatorFixture('many');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  async function sendAll(agent: { type: string }, names: string[], priority?: MessagePriority) {
    for (const name of names) {
      const sent = await coordinator.sendMessage(
        planner,
        agent,
        event({ name }, { messageId: name, priority }),
      );
      expect(sent.delivered).toBe(true);
    }
  }

  it('reserves up to maxMessages, highest priority first, each under its own token', async () => {
    const agent = { type: 'many-order' };
    await sendAll(agent, ['many-n1', 'many-n2', 'many-n3']);
    await sendAll(agent, ['many-h1'], MessagePriority.HIGH);
    await sendAll(agent, ['many-l1'], MessagePriority.LOW);
    const first = await coordinator.receiveMany(agent, 3, 30_000);
    expect(ids(first)).toEqual(['many-h1', 'many-n1', 'many-n2']);
    expect(new Set(first.map((d) => d.token)).size).toBe(3);
    expect(await coordinator.stats(agent)).toMatchObject({ ready: 2, reserved: 3 });
    // Each reservation stands alone: one acked, one nacked, one extended.
    expect(await coordinator.ack(agent, first[0].token)).toBe(true);
    expect(await coordinator.nack(agent, first[1].token, 'permanent', 'no')).toBe('dead-lettered');
    expect(await coordinator.extend(agent, first[2].token, 60_000)).toBe(true);
    const rest = await coordinator.receiveMany(agent, 10, 30_000);
    expect(ids(rest)).toEqual(['many-n3', 'many-l1']);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 3,
      deadLettered: 1,
    });
  });

  it('acknowledges every token given, reporting each, then reserves the next batch', async () => {
    const agent = { type: 'many-loop' };
    const names = Array.from({ length: 7 }, (_, i) => `many-loop-${i}`);
    await sendAll(agent, names);
    let batch = await coordinator.receiveMany(agent, 3, 30_000);
    const seen = ids(batch);
    for (;;) {
      const tokens = batch.map((d) => d.token);
      const { acknowledged, next } = await coordinator.ackAndReceiveMany(agent, tokens, 3, 30_000);
      expect(acknowledged).toEqual(tokens.map(() => true));
      if (next.length === 0) break;
      seen.push(...ids(next));
      batch = next;
    }
    expect(seen).toEqual(names);
    expect(await coordinator.stats(agent)).toEqual(EMPTY_QUEUE);
    // The acks remember the ids, as ack() does.
    expect(
      (await coordinator.sendMessage(planner, agent, event({}, { messageId: names[0] }))).duplicate,
    ).toBe(true);
  });

  it('reports used and unknown tokens as not acknowledged, and still reserves', async () => {
    const agent = { type: 'many-stale' };
    await sendAll(agent, ['many-stale-1', 'many-stale-2']);
    const [one] = await coordinator.receiveMany(agent, 1, 30_000);
    expect(await coordinator.ack(agent, one.token)).toBe(true);
    const result = await coordinator.ackAndReceiveMany(
      agent,
      [one.token, '1:0:never-issued'],
      5,
      30_000,
    );
    expect(result.acknowledged).toEqual([false, false]);
    expect(ids(result.next)).toEqual(['many-stale-2']);
  });

  it('carries attempts and the last error of a redelivered message', async () => {
    const retrying = fx.coordinator({ backoffBaseMs: 1, backoffMaxMs: 1, jitter: 'none' });
    const agent = { type: 'many-retry' };
    await retrying.sendMessage(planner, agent, event({}, { messageId: 'many-retry-1' }));
    const [first] = await retrying.receiveMany(agent, 5, 30_000);
    expect(first.queueMessage.deliveryAttempts).toBe(0);
    expect(await retrying.nack(agent, first.token, 'transient', 'flaky')).toBe('retried');
    // Due 1 ms later by the server's clock (ioredis-mock's jumps around): poll until it is back.
    const again = await waitFor('the redelivery', async () => {
      const batch = await retrying.receiveMany(agent, 5, 30_000);
      expect(batch.length).toBeLessThanOrEqual(1);
      return batch[0];
    });
    expect(again.queueMessage.message.messageId).toBe('many-retry-1');
    expect(again.queueMessage.deliveryAttempts).toBe(1);
    expect(again.queueMessage.lastError).toBe('flaky');
  });

  it('returns [] at once when nothing is due, or waits up to waitMs for one', async () => {
    const agent = { type: 'many-wait' };
    expect(await coordinator.receiveMany(agent, 5, 30_000)).toEqual([]);
    // The send comes while the receive waits, and wakes it.
    const arrived = await whileWaiting(
      coordinator,
      () => coordinator.receiveMany(agent, 5, 30_000, { waitMs: 3_000 }),
      () => sendAll(agent, ['many-wait-1']),
    );
    expect(ids(arrived)).toEqual(['many-wait-1']);
    const started = Date.now();
    const result = await coordinator.ackAndReceiveMany(agent, [arrived[0].token], 5, 30_000, {
      waitMs: 100,
    });
    expect(result).toEqual({ acknowledged: [true], next: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('hands out the good messages of a batch and dead-letters a malformed one', async () => {
    const agent = { type: 'many-planted' };
    const queue = fx.keys.queue({ type: 'many-planted', instance: 'default' });
    await sendAll(agent, ['many-good-1']);
    await fx.client.hset(queue.bodies, 'many-bad-1', 'garbage');
    await fx.client.rpush(queue.ready[5], 'many-bad-1');
    await sendAll(agent, ['many-good-2']);
    expect(ids(await coordinator.receiveMany(agent, 5, 30_000))).toEqual([
      'many-good-1',
      'many-good-2',
    ]);
    expect(await coordinator.stats(agent)).toMatchObject({ reserved: 2, deadLettered: 1 });
    // A batch of nothing but malformed bodies still ends in the next good message.
    await fx.client.hset(queue.bodies, 'many-bad-2', 'garbage');
    await fx.client.rpush(queue.ready[5], 'many-bad-2');
    const late = await whileWaiting(
      coordinator,
      () => coordinator.receiveMany(agent, 1, 30_000, { waitMs: 3_000 }),
      () => sendAll(agent, ['many-good-3']),
    );
    expect(ids(late)).toEqual(['many-good-3']);
    expect(await coordinator.stats(agent)).toMatchObject({ deadLettered: 2 });
  });

  it('refuses bad arguments before touching Redis', async () => {
    const agent = { type: 'many-invalid' };
    await sendAll(agent, ['many-invalid-1']);
    const [held] = await coordinator.receiveMany(agent, 1, 30_000);
    const field = async (attempt: Promise<unknown>): Promise<string> =>
      (await rejectionOf(ValidationError, attempt)).field;
    expect(await field(coordinator.receiveMany(agent, 0))).toBe('maxMessages');
    expect(await field(coordinator.receiveMany(agent, MAX_RECEIVE_MANY + 1))).toBe('maxMessages');
    expect(await field(coordinator.receiveMany(agent, 1.5))).toBe('maxMessages');
    expect(await field(coordinator.receiveMany(agent, 1, 0))).toBe('visibilityTimeoutMs');
    expect(await field(coordinator.receiveMany(agent, 1, 1_000, { waitMs: -1 }))).toBe('waitMs');
    expect(await field(coordinator.receiveMany({ type: 'bad:type' }, 1))).toBe('agentId.type');
    expect(
      await field(coordinator.ackAndReceiveMany(agent, 'nope' as unknown as string[], 1)),
    ).toBe('tokens');
    expect(await field(coordinator.ackAndReceiveMany(agent, [held.token, 'bad token'], 1))).toBe(
      'token',
    );
    // The valid token in the refused call was not acknowledged.
    expect(await coordinator.stats(agent)).toMatchObject({ reserved: 1 });
    expect(await coordinator.ack(agent, held.token)).toBe(true);
  });

  it('gives each message to one receiver among many on many connections', async () => {
    const agent = { type: 'many-race' };
    const total = 300;
    await coordinator.sendMessages(
      planner,
      Array.from({ length: total }, (_, i) => ({
        recipient: agent,
        message: event({ i }, { messageId: `many-race-${i}` }),
      })),
    );
    const receivers = Array.from(
      { length: 6 },
      () => new RedisMessageCoordinator(createClient(), { keyPrefix: fx.prefix }),
    );
    const seen: string[] = [];
    await Promise.all(
      receivers.map(async (receiver, r) => {
        let batch = await receiver.receiveMany(agent, 4 + r, 30_000);
        while (batch.length > 0) {
          seen.push(...ids(batch));
          const step = await receiver.ackAndReceiveMany(
            agent,
            batch.map((d) => d.token),
            4 + r,
            30_000,
          );
          expect(step.acknowledged.every(Boolean)).toBe(true);
          batch = step.next;
        }
      }),
    );
    await Promise.all(receivers.map((receiver) => receiver.close()));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(await coordinator.stats(agent)).toEqual(EMPTY_QUEUE);
  });

  it('the base class defaults make one call per message', async () => {
    const agent = { type: 'many-default' };
    await sendAll(agent, ['many-default-1', 'many-default-2', 'many-default-3']);
    const receive = jest.spyOn(coordinator, 'receive');
    const ack = jest.spyOn(coordinator, 'ack');
    const receiveMany = jest.spyOn(coordinator, 'receiveMany');
    const batch = await MessageCoordinator.prototype.receiveMany.call(
      coordinator,
      agent,
      2,
      30_000,
    );
    expect(ids(batch)).toEqual(['many-default-1', 'many-default-2']);
    expect(receive).toHaveBeenCalledTimes(2);
    const step = await MessageCoordinator.prototype.ackAndReceiveMany.call(
      coordinator,
      agent,
      batch.map((d) => d.token),
      5,
      30_000,
    );
    expect(step.acknowledged).toEqual([true, true]);
    expect(ids(step.next)).toEqual(['many-default-3']);
    expect(ack).toHaveBeenCalledTimes(2);
    // Then it receives through the instance's receiveMany, the one-call Redis version here.
    expect(receiveMany).toHaveBeenCalledWith(agent, 5, 30_000, undefined);
    expect(receive).toHaveBeenCalledTimes(2);
    receive.mockRestore();
    ack.mockRestore();
    receiveMany.mockRestore();
  });
});
