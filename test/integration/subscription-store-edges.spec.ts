import { MessageType, type AgentId } from '../../lib/messaging';
import { ValidationError } from '../../lib/errors';
import { CoordinatorFixture, event, planner } from './coordinator-fixture';

describe('RedisMessageCoordinator: subscription records', () => {
  const fx = new CoordinatorFixture('subs-edges');
  const coordinator = fx.coordinator();

  afterAll(() => fx.teardown());

  /** The rejection of `call`, which must be a ValidationError. */
  async function validationError(call: () => Promise<unknown>): Promise<ValidationError> {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }

  it('say what is wrong with a subscription in the error message', async () => {
    const empty = await validationError(() => coordinator.subscribeToMessages({ type: 'w' }, []));
    expect(empty.message).toBe(
      'Invalid types: must name at least one message type (rule: arrayNotEmpty)',
    );
    const unknown = await validationError(() =>
      coordinator.subscribeToMessages({ type: 'w' }, [MessageType.EVENT, 'foo' as MessageType]),
    );
    expect(unknown.message).toBe(
      'Invalid types[1]: must be one of request, response, event (rule: isEnum)',
    );
    const badId = await validationError(() => coordinator.unsubscribe('no such id!'));
    expect(badId.message).toBe('Invalid subscriptionId: is not a subscription id (rule: matches)');
    const badType = await validationError(() =>
      coordinator.publish(planner, event({}, { messageType: 'foo' as MessageType })),
    );
    expect(badType.message).toBe(
      'Invalid message.messageType: must be one of request, response, event (rule: isEnum)',
    );
  });

  it('unsubscribe refuses an id that is not a string', async () => {
    for (const id of [12345, undefined]) {
      const error = await validationError(() => coordinator.unsubscribe(id as unknown as string));
      expect({ field: error.field, rule: error.rule }).toEqual({
        field: 'subscriptionId',
        rule: 'matches',
      });
    }
  });

  it('stores `type/instance|types` and unsubscribe empties every per-type set', async () => {
    const agent = { type: 'sub-record', instance: 'i1' };
    const sub = await coordinator.subscribeToMessages(agent, [
      MessageType.EVENT,
      MessageType.REQUEST,
    ]);
    expect(await fx.client.hget(fx.keys.subscriptions, sub.subscriptionId)).toBe(
      'sub-record/i1|event,request',
    );
    expect(await fx.client.smembers(fx.keys.subscribers(MessageType.EVENT))).toEqual([
      sub.subscriptionId,
    ]);
    expect(await fx.client.smembers(fx.keys.subscribers(MessageType.REQUEST))).toEqual([
      sub.subscriptionId,
    ]);
    expect(await coordinator.unsubscribe(sub.subscriptionId)).toBe(true);
    expect(await fx.client.exists(fx.keys.subscriptions)).toBe(0);
    expect(await fx.client.exists(fx.keys.subscribers(MessageType.EVENT))).toBe(0);
    expect(await fx.client.exists(fx.keys.subscribers(MessageType.REQUEST))).toBe(0);
  });

  describe('publish reads the records defensively', () => {
    const type = MessageType.RESPONSE;
    const setKey = fx.keys.subscribers(type);

    afterEach(async () => {
      await fx.client.del(setKey, fx.keys.subscriptions);
    });

    /** Records subscription `id` of `agentText` to `type` by hand. */
    async function record(id: string, agentText: string): Promise<void> {
      await fx.client.hset(fx.keys.subscriptions, id, `${agentText}|${type}`);
      await fx.client.sadd(setKey, id);
    }

    /** The message id each agent received, emptying its queue. */
    async function receivedIds(agents: AgentId[]): Promise<string[]> {
      const ids: string[] = [];
      for (const agent of agents) {
        const delivery = await coordinator.receive(agent);
        expect(delivery).not.toBeNull();
        expect(await coordinator.ack(agent, delivery!.token)).toBe(true);
        ids.push(delivery!.queueMessage.message.messageId);
      }
      return ids;
    }

    it('skips a subscription id whose record is gone', async () => {
      await record('1', 'kept-listener/default');
      await fx.client.sadd(setKey, '2');
      const results = await coordinator.publish(planner, event({}, { messageType: type }));
      expect(results).toHaveLength(1);
      expect(results[0].delivered).toBe(true);
      expect(await receivedIds([{ type: 'kept-listener' }])).toEqual([results[0].messageId]);
    });

    it('skips a record whose agent id cannot be read', async () => {
      await record('1', 'not an/agent');
      await record('2', 'readable-listener/default');
      await record('3', 'no-slash');
      const results = await coordinator.publish(planner, event({}, { messageType: type }));
      expect(results).toHaveLength(1);
      expect(await receivedIds([{ type: 'readable-listener' }])).toEqual([results[0].messageId]);
    });

    it('sends to the subscribers in the order of their ids, whatever the set order', async () => {
      // Integer members: Redis keeps them sorted by value, so the set lists zz, mm, aa.
      await record('1', 'order-zz/default');
      await record('2', 'order-mm/default');
      await record('3', 'order-aa/default');
      const results = await coordinator.publish(planner, event({}, { messageType: type }));
      expect(results).toHaveLength(3);
      const sorted = [{ type: 'order-aa' }, { type: 'order-mm' }, { type: 'order-zz' }];
      expect(await receivedIds(sorted)).toEqual(results.map((r) => r.messageId));
    });
  });
});
