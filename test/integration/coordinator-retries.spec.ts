import { FailureType, type AgentId, type RedisMessageCoordinator } from '../../lib/messaging';
import { ValidationError } from '../../lib/errors';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: retries', () => {
  const fx = new CoordinatorFixture('retries');
  /** Retries far in the future unless a test makes them due. */
  const coordinator = fx.coordinator({
    retryAttempts: 2,
    backoffBaseMs: 60_000,
    backoffMaxMs: 60_000,
    jitter: 'none',
  });

  afterAll(() => fx.teardown());

  async function sendAndReserve(agent: AgentId, messageId: string, c = coordinator) {
    expect(
      (await c.sendMessage(planner, agent, event({ messageId }, { messageId }))).delivered,
    ).toBe(true);
    const delivery = await c.receive(agent, 30_000);
    expect(delivery?.queueMessage.message.messageId).toBe(messageId);
    return delivery!;
  }

  /** The server's clock in ms, as the scripts read it. */
  async function serverNow(): Promise<number> {
    const [seconds, micros] = await fx.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  it('a redelivered message carries the error of its previous delivery', async () => {
    const agent = { type: 'last-error' };
    const first = await sendAndReserve(agent, 'lasterr-01');
    expect(first.queueMessage).not.toHaveProperty('lastError');
    expect(
      await coordinator.nack(agent, first.token, FailureType.TRANSIENT, 'tool timed out'),
    ).toBe('retried');
    await fx.makeDue(agent, 'lasterr-01');
    const second = await coordinator.receive(agent, 30_000);
    expect(second!.queueMessage.lastError).toBe('tool timed out');
    expect(second!.queueMessage.deliveryAttempts).toBe(1);
    // The next failure replaces it; ackAndReceive hands it over the same way.
    expect(
      await coordinator.nack(agent, second!.token, FailureType.TRANSIENT, 'rate limited'),
    ).toBe('retried');
    await fx.makeDue(agent, 'lasterr-01');
    const third = await coordinator.receive(agent, 30_000);
    expect(third!.queueMessage).toMatchObject({ lastError: 'rate limited', deliveryAttempts: 2 });
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'lasterr-02' }));
    const { next } = await coordinator.ackAndReceive(agent, third!.token, 30_000);
    expect(next!.queueMessage.message.messageId).toBe('lasterr-02');
    expect(next!.queueMessage).not.toHaveProperty('lastError');
    await coordinator.ack(agent, next!.token);
  });

  it('acknowledging a retried message drops its attempt count and error with it', async () => {
    const agent = { type: 'ack-cleans' };
    const queue = fx.keys.queue(agent);
    const first = await sendAndReserve(agent, 'cleans-01');
    expect(await coordinator.nack(agent, first.token, FailureType.TRANSIENT, 'oops')).toBe(
      'retried',
    );
    expect(await fx.client.hget(queue.attempts, 'cleans-01')).toBe('1');
    expect(await fx.client.hget(queue.errors, 'cleans-01')).toBe('oops');
    await fx.makeDue(agent, 'cleans-01');
    const second = await coordinator.receive(agent, 30_000);
    expect(await coordinator.ack(agent, second!.token)).toBe(true);
    expect(await fx.client.hget(queue.attempts, 'cleans-01')).toBeNull();
    expect(await fx.client.hget(queue.errors, 'cleans-01')).toBeNull();
    expect(await fx.client.hget(queue.bodies, 'cleans-01')).toBeNull();
  });

  it('a message whose delivery failed is handed to ackAndReceive with its last error', async () => {
    const agent = { type: 'last-error-chain' };
    const first = await sendAndReserve(agent, 'lasterr-11');
    await coordinator.sendMessage(planner, agent, event({}, { messageId: 'lasterr-12' }));
    const second = await coordinator.receive(agent, 30_000);
    expect(await coordinator.nack(agent, first.token, FailureType.TRANSIENT, 'flaky')).toBe(
      'retried',
    );
    await fx.makeDue(agent, 'lasterr-11');
    const { next } = await coordinator.ackAndReceive(agent, second!.token, 30_000);
    expect(next!.queueMessage).toMatchObject({
      message: { messageId: 'lasterr-11' },
      lastError: 'flaky',
      deliveryAttempts: 1,
    });
    await coordinator.ack(agent, next!.token);
  });

  it('a TRANSIENT nack schedules a retry after the backoff, counting the attempt', async () => {
    const agent = { type: 'transient' };
    const first = await sendAndReserve(agent, 'retry-0001');
    expect(first.token).toMatch(/^\d+:0:retry-0001$/);
    expect(await coordinator.nack(agent, first.token, FailureType.TRANSIENT, 'flaky')).toBe(
      'retried',
    );
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 1,
      reserved: 0,
      deadLettered: 0,
    });
    // Not due for a minute.
    expect(await coordinator.receive(agent)).toBeNull();
    const due = Number(await fx.client.zscore(fx.keys.queue(agent).delayed, 'retry-0001'));
    expect(due - (await serverNow())).toBeGreaterThan(55_000);
    // Its token is spent.
    expect(await coordinator.nack(agent, first.token)).toBe(false);
    expect(await coordinator.ack(agent, first.token)).toBe(false);

    await fx.makeDue(agent, 'retry-0001');
    const second = await coordinator.receive(agent, 30_000);
    expect(second!.token).toMatch(/^\d+:1:retry-0001$/);
    expect(second!.queueMessage.deliveryAttempts).toBe(1);
    expect(second!.queueMessage.message.payload).toEqual({ messageId: 'retry-0001' });
    expect(await coordinator.ack(agent, second!.token)).toBe(true);
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
  });

  it('dead-letters once the attempts exceed retryAttempts, with the last error', async () => {
    const agent = { type: 'exhausted' };
    let delivery = await sendAndReserve(agent, 'retry-0002');
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await coordinator.nack(agent, delivery.token, 'transient', `boom ${attempt}`)).toBe(
        'retried',
      );
      expect((await coordinator.stats(agent)).delayed).toBe(1);
      await fx.makeDue(agent, 'retry-0002');
      delivery = (await coordinator.receive(agent, 30_000))!;
      expect(delivery.queueMessage.deliveryAttempts).toBe(attempt);
    }
    expect(await coordinator.nack(agent, delivery.token, 'transient', 'boom 3')).toBe(
      'dead-lettered',
    );
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 1,
    });
    const [dead] = await coordinator.deadLetters(agent);
    expect(dead.message.messageId).toBe('retry-0002');
    expect(dead.deliveryAttempts).toBe(3);
    expect(dead.lastError).toBe('boom 3');
    expect(await coordinator.receive(agent)).toBeNull();
  });

  it('a PERMANENT nack goes straight to the dead-letter queue', async () => {
    const agent = { type: 'permanent' };
    const delivery = await sendAndReserve(agent, 'perm-00001');
    expect(await coordinator.nack(agent, delivery.token, FailureType.PERMANENT, 'bad input')).toBe(
      'dead-lettered',
    );
    expect(await coordinator.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 1,
    });
    const [dead] = await coordinator.deadLetters(agent);
    expect(dead).toMatchObject({ deliveryAttempts: 1, lastError: 'bad input' });
    expect(await coordinator.nack(agent, delivery.token, 'permanent')).toBe(false);

    // A plain string works too, and the failure type is the error when none is given.
    const other = await sendAndReserve(agent, 'perm-00002');
    expect(await coordinator.nack(agent, other.token, 'permanent')).toBe('dead-lettered');
    const dead2 = await coordinator.deadLetters(agent);
    expect(dead2.map((d) => [d.message.messageId, d.lastError])).toEqual([
      ['perm-00001', 'bad input'],
      ['perm-00002', 'permanent'],
    ]);
  });

  it('a TIMEOUT nack retries like a transient one and records the timeout', async () => {
    const agent = { type: 'timeouts' };
    const delivery = await sendAndReserve(agent, 'tmo-000001');
    expect(await coordinator.nack(agent, delivery.token, FailureType.TIMEOUT)).toBe('retried');
    expect((await coordinator.stats(agent)).delayed).toBe(1);
    expect(await fx.client.hget(fx.keys.queue(agent).errors, 'tmo-000001')).toBe('timeout');
    // The default failure is TRANSIENT.
    await fx.makeDue(agent, 'tmo-000001');
    const again = await coordinator.receive(agent, 30_000);
    expect(await coordinator.nack(agent, again!.token)).toBe('retried');
    expect(await fx.client.hget(fx.keys.queue(agent).errors, 'tmo-000001')).toBe('transient');
    expect(await fx.client.hget(fx.keys.queue(agent).attempts, 'tmo-000001')).toBe('2');
  });

  it('retryAttempts 0 dead-letters on the first nack; configure() changes it at runtime', async () => {
    const agent = { type: 'no-retries' };
    const own = fx.coordinator({ backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
    own.configure({ retryAttempts: 0 });
    expect(own.limits.retryAttempts).toBe(0);
    const delivery = await sendAndReserve(agent, 'once-00001', own);
    expect(await own.nack(agent, delivery.token, 'transient', 'no second chance')).toBe(
      'dead-lettered',
    );
    expect(await own.stats(agent)).toMatchObject({ delayed: 0, deadLettered: 1 });
    // The instance it was called on only.
    expect(coordinator.limits.retryAttempts).toBe(2);
  });

  it('refuses unknown tokens, and bad failure types or tokens with a ValidationError', async () => {
    const agent = { type: 'nack-input' };
    expect(await coordinator.nack(agent, '99:0:never-sent')).toBe(false);
    const delivery = await sendAndReserve(agent, 'input-0001');
    await expect(
      coordinator.nack(agent, delivery.token, 'fatal' as FailureType),
    ).rejects.toMatchObject({ field: 'failure', rule: 'isEnum' });
    await expect(
      coordinator.nack(agent, delivery.token, 'transient', 42 as unknown as string),
    ).rejects.toMatchObject({ field: 'error', rule: 'isString' });
    await expect(coordinator.nack(agent, 'not-a-token')).rejects.toBeInstanceOf(ValidationError);
    // None of that touched the reservation.
    expect(await coordinator.ack(agent, delivery.token)).toBe(true);
    expect(await coordinator.nack(agent, delivery.token)).toBe(false);
  });

  it('retries come back after growing delays (jitter none), then dead-letter', async () => {
    const retrying: RedisMessageCoordinator = fx.coordinator({
      retryAttempts: 3,
      backoffBaseMs: 40,
      backoffFactor: 2,
      backoffMaxMs: 1_000,
      jitter: 'none',
    });
    const agent = { type: 'growing' };
    let delivery = await sendAndReserve(agent, 'grow-00001', retrying);
    // The due time, as seen from server clock readings just before and just after the nack.
    const fromBefore: number[] = [];
    const fromAfter: number[] = [];
    const waited: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const nackedAt = Date.now();
      const before = await serverNow();
      expect(await retrying.nack(agent, delivery.token, 'transient', `try ${attempt}`)).toBe(
        'retried',
      );
      const after = await serverNow();
      const due = Number(await fx.client.zscore(fx.keys.queue(agent).delayed, 'grow-00001'));
      fromBefore.push(due - before);
      fromAfter.push(due - after);
      delivery = (await retrying.receive(agent, 30_000, { waitMs: 5_000 }))!;
      waited.push(Date.now() - nackedAt);
      expect(delivery.queueMessage.deliveryAttempts).toBe(attempt);
    }
    const expected = [40, 80, 160];
    // The script read the clock between our two readings and scheduled exactly `expected`
    // later: however slow the test runs, the delay lies in [due - after, due - before].
    expected.forEach((delay, i) => {
      expect(fromBefore[i]).toBeGreaterThanOrEqual(delay);
      expect(fromAfter[i]).toBeLessThanOrEqual(delay);
    });
    // So the delays grew: each is at least the one before it doubled.
    expect(fromBefore[1]).toBeGreaterThanOrEqual(2 * expected[0]);
    expect(fromBefore[2]).toBeGreaterThanOrEqual(2 * expected[1]);
    // Never redelivered early; the waiter woke when it fell due, not when waitMs ran out
    // (generous upper bound: loaded CI).
    waited.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(expected[i] - 5);
      expect(ms).toBeLessThan(expected[i] + 1_000);
    });
    expect(await retrying.nack(agent, delivery.token, 'transient', 'try 4')).toBe('dead-lettered');
    const [dead] = await retrying.deadLetters(agent);
    expect(dead).toMatchObject({ deliveryAttempts: 4, lastError: 'try 4' });
  });

  it('full jitter keeps every delay within [0, base * factor^n]', async () => {
    const jittery = fx.coordinator({
      retryAttempts: 100,
      backoffBaseMs: 10_000,
      backoffFactor: 2,
      backoffMaxMs: 15_000,
      jitter: 'full',
    });
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      // An agent each: a retry whose jitter came out near 0 is due at once, and would be the
      // next message received from a shared queue.
      const agent = { type: `jitter-${i}` };
      const delivery = await sendAndReserve(agent, `jitter-${i}000`, jittery);
      const before = await serverNow();
      await jittery.nack(agent, delivery.token);
      const after = await serverNow();
      const due = Number(await fx.client.zscore(fx.keys.queue(agent).delayed, `jitter-${i}000`));
      // The script's clock reading lies between ours, whatever the test's own pace.
      expect(due - before).toBeGreaterThanOrEqual(0);
      delays.push(due - after);
    }
    for (const delay of delays) {
      expect(delay).toBeLessThanOrEqual(10_000);
    }
    // Not all equal: the jitter is really random.
    expect(new Set(delays.map((d) => Math.round(d / 100))).size).toBeGreaterThan(1);
  });
});
