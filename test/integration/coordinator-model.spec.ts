import fc from 'fast-check';
import type Redis from 'ioredis';
import { KeyLayout, type QueueKeys } from '../../lib/common/key-layout';
import {
  FailureType,
  MessagePriority,
  MessageType,
  RedisMessageCoordinator,
  type AgentId,
} from '../../lib/messaging';
import {
  backend,
  closeClients,
  createClient,
  deleteKeys,
  sleep,
  uniquePrefix,
} from '../support/redis';
import { serverNow, untilServerTimePasses } from '../support/wait';

/**
 * Model-based test: random sequences of coordinator operations run against the real
 * coordinator and a reference model; after every step the whole queue in Redis must match
 * the model exactly (which is where each message is, in which order, with how many attempts).
 *
 * Time is handled without guessing: reservations are either long (never expire in a run) or
 * short, and an operation whose outcome depends on a short deadline first waits until the
 * deadline has certainly passed on the server's clock. Retries use a 1 ms backoff and
 * operations after a nack wait until the server's clock is 2 ms past its reading after the
 * nack, so every retry is due by the next receive, in the order it was nacked.
 */

jest.setTimeout(120_000);

const agent: AgentId = { type: 'model', instance: 'a' };
const sender: AgentId = { type: 'model', instance: 'sender' };
const QUEUE_SIZE = 6;
const RETRY_ATTEMPTS = 2;
const SHORT_MS = 15;
const LONG_MS = 60_000;
const PRIORITIES = [MessagePriority.HIGH, MessagePriority.NORMAL, MessagePriority.LOW] as const;
const EXPIRED = 'visibility timeout expired';
/** The fake interprets Lua in JS: fewer runs keep it near the real server's time. */
const RUNS = backend === 'mock' ? 25 : 50;

type State = 'ready' | 'delayed' | 'reserved' | 'dead' | 'acked' | 'purged';

interface ModelMessage {
  id: string;
  priority: MessagePriority;
  state: State;
  attempts: number;
  lastError?: string;
}

interface Reservation {
  token: string;
  id: string;
  /** Deadline on the Redis clock, ms. */
  deadline: number;
  short: boolean;
  live: boolean;
}

/** The reference model: plain arrays and maps, no Redis. */
class QueueModel {
  readonly messages = new Map<string, ModelMessage>();
  readonly ready: Record<MessagePriority, string[]> = { 9: [], 5: [], 1: [] };
  /** Nacked messages waiting for their retry, in the order they were nacked (= due order). */
  delayed: string[] = [];
  dead: string[] = [];
  readonly reservations: Reservation[] = [];
  sent = 0;

  get held(): number {
    let held = 0;
    for (const m of this.messages.values())
      if (m.state === 'ready' || m.state === 'delayed' || m.state === 'reserved') held++;
    return held;
  }

  live(): Reservation[] {
    return this.reservations.filter((r) => r.live);
  }

  /** Every retry is due by now: they join the end of their ready list in nack order. */
  promote(): void {
    for (const id of this.delayed) {
      const m = this.messages.get(id)!;
      m.state = 'ready';
      this.ready[m.priority].push(id);
    }
    this.delayed = [];
  }

  toDead(m: ModelMessage): void {
    m.state = 'dead';
    this.dead.push(m.id);
  }
}

/** The system under test and what the checks need to read it. */
interface Real {
  coordinator: RedisMessageCoordinator;
  client: Redis;
  keys: QueueKeys;
  /** The server's clock read after the last nack returned. */
  lastNackAt: number;
}

type ModelCommand = fc.AsyncCommand<QueueModel, Real>;

/** Waits until every live short reservation's deadline has certainly passed on the Redis clock. */
async function outwaitShortDeadlines(
  model: QueueModel,
  real: Real,
  only?: Reservation,
): Promise<void> {
  const shorts = (only ? [only] : model.live()).filter((r) => r.live && r.short);
  if (shorts.length === 0) return;
  const latest = Math.max(...shorts.map((r) => r.deadline));
  await untilServerTimePasses(real.client, latest + 1);
}

/** Waits until every retry nacked so far is due on the Redis clock. */
async function outwaitRetries(real: Real): Promise<void> {
  if (real.lastNackAt > 0) {
    await untilServerTimePasses(real.client, real.lastNackAt + 1);
  }
}

class SendCommand implements ModelCommand {
  constructor(
    private readonly reuse: number | null,
    private readonly priority: MessagePriority,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    const known = [...model.messages.keys()];
    const id =
      this.reuse !== null && known.length > 0
        ? known[this.reuse % known.length]
        : `msg-${String(model.sent++).padStart(4, '0')}`;
    const result = await real.coordinator.sendMessage(sender, agent, {
      messageId: id,
      messageType: MessageType.EVENT,
      payload: { id },
      priority: this.priority,
    });
    if (model.messages.has(id)) {
      expect(result).toMatchObject({ delivered: false, duplicate: true });
    } else if (model.held >= QUEUE_SIZE) {
      expect(result).toEqual({ messageId: id, delivered: false, error: 'queue full' });
    } else {
      expect(result).toEqual({ messageId: id, delivered: true });
      model.messages.set(id, { id, priority: this.priority, state: 'ready', attempts: 0 });
      model.ready[this.priority].push(id);
    }
  }
  toString(): string {
    return `send(${this.reuse === null ? 'new' : `reuse#${this.reuse}`}, p${this.priority})`;
  }
}

class ReceiveCommand implements ModelCommand {
  constructor(private readonly short: boolean) {}
  check(): boolean {
    return true;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    await outwaitRetries(real);
    model.promote();
    const delivery = await real.coordinator.receive(agent, this.short ? SHORT_MS : LONG_MS);
    const expected = PRIORITIES.map((p) => model.ready[p]).find((list) => list.length > 0);
    if (!expected) {
      expect(delivery).toBeNull();
      return;
    }
    const id = expected.shift()!;
    const m = model.messages.get(id)!;
    expect(delivery).not.toBeNull();
    expect(delivery!.queueMessage.message.messageId).toBe(id);
    expect(delivery!.queueMessage.priority).toBe(m.priority);
    expect(delivery!.queueMessage.deliveryAttempts).toBe(m.attempts);
    expect(delivery!.queueMessage.message.payload).toEqual({ id });
    expect(model.reservations.some((r) => r.token === delivery!.token)).toBe(false);
    m.state = 'reserved';
    model.reservations.push({
      token: delivery!.token,
      id,
      deadline: Date.parse(delivery!.visibilityDeadline),
      short: this.short,
      live: true,
    });
  }
  toString(): string {
    return `receive(${this.short ? 'short' : 'long'})`;
  }
}

/** Picks any token ever issued, live or stale. */
function pick(model: QueueModel, index: number): Reservation | undefined {
  return model.reservations.length === 0
    ? undefined
    : model.reservations[index % model.reservations.length];
}

class AckCommand implements ModelCommand {
  constructor(private readonly index: number) {}
  check(model: Readonly<QueueModel>): boolean {
    return model.reservations.length > 0;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    const r = pick(model, this.index)!;
    const acked = await real.coordinator.ack(agent, r.token);
    // Ack succeeds while the reservation exists, even past its deadline.
    expect(acked).toBe(r.live);
    if (!r.live) return;
    r.live = false;
    const m = model.messages.get(r.id)!;
    m.state = 'acked';
  }
  toString(): string {
    return `ack(#${this.index})`;
  }
}

class NackCommand implements ModelCommand {
  constructor(
    private readonly index: number,
    private readonly failure: FailureType,
  ) {}
  check(model: Readonly<QueueModel>): boolean {
    return model.reservations.length > 0;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    await outwaitRetries(real);
    const r = pick(model, this.index)!;
    const error = `failed ${this.failure}`;
    const nacked = await real.coordinator.nack(agent, r.token, this.failure, error);
    real.lastNackAt = await serverNow(real.client);
    if (!r.live) {
      expect(nacked).toBe(false);
      return;
    }
    r.live = false;
    const m = model.messages.get(r.id)!;
    m.attempts += 1;
    m.lastError = error;
    if (this.failure === FailureType.PERMANENT || m.attempts > RETRY_ATTEMPTS) {
      expect(nacked).toBe('dead-lettered');
      model.toDead(m);
    } else {
      expect(nacked).toBe('retried');
      m.state = 'delayed';
      model.delayed.push(m.id);
    }
  }
  toString(): string {
    return `nack(#${this.index}, ${this.failure})`;
  }
}

class ExtendCommand implements ModelCommand {
  constructor(
    private readonly index: number,
    private readonly short: boolean,
  ) {}
  check(model: Readonly<QueueModel>): boolean {
    return model.reservations.length > 0;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    const r = pick(model, this.index)!;
    // A short reservation is extended only once it certainly expired: the answer is then false.
    if (r.live && r.short) await outwaitShortDeadlines(model, real, r);
    const extended = await real.coordinator.extend(agent, r.token, this.short ? SHORT_MS : LONG_MS);
    expect(extended).toBe(r.live && !r.short);
    if (!extended) return;
    r.short = this.short;
    // The new deadline is on the Redis clock; read it rather than guess it.
    r.deadline = Number(await real.client.zscore(real.keys.reserved, r.token));
  }
  toString(): string {
    return `extend(#${this.index}, ${this.short ? 'short' : 'long'})`;
  }
}

class RecoverCommand implements ModelCommand {
  check(): boolean {
    return true;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    await outwaitShortDeadlines(model, real);
    const expired = model
      .live()
      .filter((r) => r.short)
      .sort((a, b) => a.deadline - b.deadline || (a.token < b.token ? -1 : 1));
    const moved = await real.coordinator.recoverPending(agent);
    expect(moved).toBe(expired.length);
    for (const r of expired) {
      r.live = false;
      const m = model.messages.get(r.id)!;
      m.attempts += 1;
      m.lastError = EXPIRED;
      if (m.attempts > RETRY_ATTEMPTS) model.toDead(m);
      else {
        m.state = 'ready';
        model.ready[m.priority].unshift(m.id);
      }
    }
  }
  toString(): string {
    return 'recoverPending()';
  }
}

class ReplayCommand implements ModelCommand {
  check(): boolean {
    return true;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    expect(await real.coordinator.replayDeadLetters(agent)).toBe(model.dead.length);
    for (const id of model.dead) {
      const m = model.messages.get(id)!;
      m.state = 'ready';
      m.attempts = 0;
      delete m.lastError;
      model.ready[m.priority].push(id);
    }
    model.dead = [];
  }
  toString(): string {
    return 'replayDeadLetters()';
  }
}

class PurgeCommand implements ModelCommand {
  check(): boolean {
    return true;
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    expect(await real.coordinator.purgeDeadLetters(agent)).toBe(model.dead.length);
    for (const id of model.dead) model.messages.get(id)!.state = 'purged';
    model.dead = [];
  }
  toString(): string {
    return 'purgeDeadLetters()';
  }
}

class AdvanceClockCommand implements ModelCommand {
  constructor(private readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(): Promise<void> {
    await sleep(this.ms);
  }
  toString(): string {
    return `sleep(${this.ms})`;
  }
}

/** Reads the whole queue back from Redis and compares it with the model. */
async function checkInvariants(model: QueueModel, real: Real): Promise<void> {
  const { client, keys } = real;
  const [high, normal, low, delayed, reserved, dead, bodies, attempts] = await Promise.all([
    client.lrange(keys.ready[9], 0, -1),
    client.lrange(keys.ready[5], 0, -1),
    client.lrange(keys.ready[1], 0, -1),
    client.zrange(keys.delayed, 0, -1),
    client.zrange(keys.reserved, 0, -1),
    client.zrange(keys.dead, 0, -1),
    client.hkeys(keys.bodies),
    client.hgetall(keys.attempts),
  ]);
  // Priority lists hold exactly the model's ready messages, in the model's (FIFO) order.
  expect({ high, normal, low }).toEqual({
    high: model.ready[9],
    normal: model.ready[5],
    low: model.ready[1],
  });
  expect([...delayed].sort()).toEqual([...model.delayed].sort());
  expect(dead).toEqual(model.dead);
  // No two live reservations of one message, and exactly the model's live tokens.
  const reservedIds = reserved.map((token) => token.replace(/^\d+:\d+:/, ''));
  expect(new Set(reservedIds).size).toBe(reservedIds.length);
  expect([...reserved].sort()).toEqual(
    model
      .live()
      .map((r) => r.token)
      .sort(),
  );
  // Every message in exactly one state; none lost; acknowledged ones gone for good.
  const places = [...high, ...normal, ...low, ...delayed, ...reservedIds, ...dead];
  expect(new Set(places).size).toBe(places.length);
  const held = [...model.messages.values()].filter(
    (m) => m.state !== 'acked' && m.state !== 'purged',
  );
  expect([...places].sort()).toEqual(held.map((m) => m.id).sort());
  expect([...bodies].sort()).toEqual(held.map((m) => m.id).sort());
  for (const m of held) expect(Number(attempts[m.id] ?? 0)).toBe(m.attempts);
  const count = (state: State) => held.filter((m) => m.state === state).length;
  expect(await real.coordinator.stats(agent)).toEqual({
    ready: count('ready'),
    delayed: count('delayed'),
    reserved: count('reserved'),
    deadLettered: count('dead'),
  });
  const letters = await real.coordinator.deadLetters(agent);
  expect(letters.map((l) => [l.message.messageId, l.deliveryAttempts, l.lastError])).toEqual(
    model.dead.map((id) => {
      const m = model.messages.get(id)!;
      return [id, m.attempts, m.lastError];
    }),
  );
}

/** Runs the command, then the invariants. */
class Checked implements ModelCommand {
  constructor(private readonly inner: ModelCommand) {}
  check(model: Readonly<QueueModel>): boolean {
    return this.inner.check(model);
  }
  async run(model: QueueModel, real: Real): Promise<void> {
    await this.inner.run(model, real);
    await checkInvariants(model, real);
  }
  toString(): string {
    return this.inner.toString();
  }
}

const priority = fc.constantFrom(...PRIORITIES);
const tokenIndex = fc.nat({ max: 50 });
const short = fc.boolean();
const failure = fc.constantFrom(FailureType.TRANSIENT, FailureType.TIMEOUT, FailureType.PERMANENT);
const commands = [
  fc
    .tuple(fc.option(fc.nat({ max: 50 }), { freq: 4 }), priority)
    .map(([reuse, p]) => new SendCommand(reuse, p)),
  priority.map((p) => new SendCommand(null, p)),
  short.map((s) => new ReceiveCommand(s)),
  tokenIndex.map((i) => new AckCommand(i)),
  fc.tuple(tokenIndex, failure).map(([i, f]) => new NackCommand(i, f)),
  fc.tuple(tokenIndex, short).map(([i, s]) => new ExtendCommand(i, s)),
  fc.constant(new RecoverCommand()),
  fc.constant(new ReplayCommand()),
  fc.constant(new PurgeCommand()),
  fc.integer({ min: 1, max: 20 }).map((ms) => new AdvanceClockCommand(ms)),
].map((arb) => arb.map((command): ModelCommand => new Checked(command)));

describe('RedisMessageCoordinator against a reference model', () => {
  let client: Redis;
  const prefixes: string[] = [];

  beforeAll(() => {
    client = createClient();
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(client, prefix);
    await closeClients();
  });

  it('keeps every message in exactly one state, loses none, and serves priority then FIFO', async () => {
    let runs = 0;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: 'max' }), async (cmds) => {
        const prefix = uniquePrefix('model');
        prefixes.push(prefix);
        const coordinator = new RedisMessageCoordinator(client, {
          keyPrefix: prefix,
          queueSize: QUEUE_SIZE,
          retryAttempts: RETRY_ATTEMPTS,
          backoffBaseMs: 1,
          backoffFactor: 1,
          backoffMaxMs: 1,
          jitter: 'none',
        });
        const real: Real = {
          coordinator,
          client,
          keys: new KeyLayout(prefix).queue(agent),
          lastNackAt: 0,
        };
        try {
          await fc.asyncModelRun(() => ({ model: new QueueModel(), real }), cmds);
          runs++;
          steps += [...cmds].length;
        } finally {
          await coordinator.close();
          await deleteKeys(client, prefix);
        }
      }),
      { numRuns: RUNS },
    );
    expect(runs).toBeGreaterThan(0);
    // Figures for docs/RELIABILITY.md.
    process.stdout.write(`coordinator-model: ${runs} runs, ${steps} commands\n`);
  });
});
