import calculateSlot from 'cluster-key-slot';
import type Redis from 'ioredis';
import { KEY_LAYOUT_VERSION, KeyLayout } from '../../lib/common/key-layout';
import { MessageType, type AgentId } from '../../lib/messaging';
import { ConfigurationError } from '../../lib/errors';
import { createClient, keysUnder } from '../support/redis';
import { CoordinatorFixture, drainIds, event, planner } from './coordinator-fixture';

/** Records the KEYS of every script call made through `client`. */
function recordScriptKeys(client: Redis): { command: string; keys: string[] }[] {
  const calls: { command: string; keys: string[] }[] = [];
  const define = client.defineCommand.bind(client);
  client.defineCommand = (name: string, definition: { numberOfKeys?: number; lua: string }) => {
    define(name, definition);
    const commands = client as unknown as Record<string, (...args: unknown[]) => unknown>;
    const run = commands[name];
    // Pipelines copy the client's script methods and call them on themselves: keep `this`.
    commands[name] = function (this: unknown, ...args: unknown[]) {
      calls.push({ command: name, keys: args.slice(0, definition.numberOfKeys) as string[] });
      return run.apply(this, args);
    };
  };
  return calls;
}

describe('RedisMessageCoordinator: keys', () => {
  const fx = new CoordinatorFixture('keys');

  afterAll(() => fx.teardown());

  it('every key of an agent queue shares one cluster slot, the slot of its hash tag', () => {
    const agents: AgentId[] = [
      { type: 'worker' },
      { type: 'worker', instance: 'w2' },
      { type: 'a.b-c_d', instance: 'X.9' },
    ];
    const slots = new Set<number>();
    for (const agent of agents) {
      const keys = fx.keys.queue(agent);
      const names = [
        ...Object.values(keys.ready),
        ...Object.entries(keys)
          .filter(([field]) => field !== 'ready')
          .map(([, key]) => key as string),
      ];
      expect(names).toHaveLength(12);
      const tag = fx.keys.tag(agent).slice(1, -1);
      const agentSlots = new Set(names.map((key) => calculateSlot(key)));
      expect([...agentSlots]).toEqual([calculateSlot(tag)]);
      slots.add(calculateSlot(tag));
    }
    // Different agents hash apart, so they can live on different masters.
    expect(slots.size).toBe(agents.length);
  });

  it('every script call touches keys of one slot, that of the agent it serves', async () => {
    const client = createClient();
    const calls = recordScriptKeys(client);
    const c = fx.coordinator(
      { retryAttempts: 1, backoffBaseMs: 1, backoffMaxMs: 1, jitter: 'none' },
      client,
    );
    const agent = { type: 'slot-check', instance: 'i1' };
    const other = { type: 'slot-check', instance: 'i2' };
    await c.broadcastMessage(planner, event(), [agent, other]);
    const first = await c.receive(agent, 30_000);
    await c.extend(agent, first!.token, 30_000);
    await c.nack(agent, first!.token);
    await fx.makeDue(agent, first!.queueMessage.message.messageId);
    const second = await c.receive(agent, 30_000);
    await fx.expire(agent, second!.token);
    await c.recoverPending();
    await c.replayDeadLetters(agent);
    const third = await c.receive(agent, 30_000);
    await c.ackAndReceive(agent, third!.token);
    await c.sendMessage(planner, agent, event());
    const fourth = await c.receive(agent, 30_000);
    await c.ack(agent, fourth!.token);
    await c.nack(other, (await c.receive(other, 30_000))!.token, 'permanent');
    await c.purgeDeadLetters(other);

    const commands = new Set(calls.map((call) => call.command));
    for (const script of [
      'send',
      'reserve',
      'extend',
      'nack',
      'recover',
      'replay',
      'ack',
      'purge',
    ]) {
      expect([...commands].some((name) => name.includes(script))).toBe(true);
    }
    for (const call of calls) {
      expect(call.keys.length).toBeGreaterThan(0);
      const slots = new Set(call.keys.map((key) => calculateSlot(key)));
      expect(slots.size).toBe(1);
      const tag = /\{([^}]+)\}/.exec(call.keys[0])![1];
      expect(['slot-check/i1', 'slot-check/i2']).toContain(tag);
      for (const key of call.keys) expect(key.startsWith(`${fx.prefix}:{${tag}}:q:`)).toBe(true);
    }
  });

  it('a key prefix never sees another prefix’s messages', async () => {
    const left = fx.coordinator({ keyPrefix: `${fx.prefix}.left` });
    const right = fx.coordinator({ keyPrefix: `${fx.prefix}.right` });
    const agent = { type: 'shared-name' };
    await left.sendMessage(planner, agent, event({ side: 'left' }, { messageId: 'same-id-01' }));
    await left.subscribeToMessages(agent, [MessageType.EVENT]);
    // The same id under another prefix is no duplicate: it is another world.
    expect(
      (
        await right.sendMessage(
          planner,
          agent,
          event({ side: 'right' }, { messageId: 'same-id-01' }),
        )
      ).delivered,
    ).toBe(true);
    expect(await right.publish(planner, event())).toEqual([]);
    const got = await right.receive(agent);
    expect(got!.queueMessage.message.payload).toEqual({ side: 'right' });
    expect(await right.ack(agent, got!.token)).toBe(true);
    expect(await right.receive(agent)).toBeNull();
    expect(await right.stats(agent)).toEqual({
      ready: 0,
      delayed: 0,
      reserved: 0,
      deadLettered: 0,
    });
    expect(await left.stats(agent)).toMatchObject({ ready: 1 });
    expect(await right.recoverPending()).toBe(0);
    expect(await left.listQueues()).toEqual([{ type: 'shared-name', instance: 'default' }]);
    const leftKeys = await keysUnder(fx.client, `${fx.prefix}.left`);
    expect(leftKeys.length).toBeGreaterThan(0);
    expect(leftKeys.every((key) => key.startsWith(`${fx.prefix}.left:`))).toBe(true);
    expect(await drainIds(left, agent)).toEqual(['same-id-01']);
  });

  it('writes the layout version on start and refuses keys of another layout', async () => {
    const prefix = `${fx.prefix}.layout`;
    const layout = new KeyLayout(prefix);
    const c = fx.coordinator({ keyPrefix: prefix });
    expect(await c.receive({ type: 'anyone' })).toBeNull();
    expect(await fx.client.get(layout.layout)).toBe(String(KEY_LAYOUT_VERSION));

    const future = `${fx.prefix}.future`;
    await fx.client.set(new KeyLayout(future).layout, '99');
    const stranger = fx.coordinator({ keyPrefix: future });
    await expect(stranger.receive({ type: 'anyone' })).rejects.toMatchObject({
      field: 'keyPrefix',
      rule: 'layoutVersion',
    });
    await expect(stranger.receive({ type: 'anyone' })).rejects.toBeInstanceOf(ConfigurationError);
    const refused = await stranger.sendMessage(planner, { type: 'anyone' }, event());
    expect(refused.delivered).toBe(false);
    expect(refused.error).toContain('layout 99');
    expect(await keysUnder(fx.client, future)).toEqual([`${future}:layout`]);
  });
});
