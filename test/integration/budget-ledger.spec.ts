import type Redis from 'ioredis';
import { KeyLayout } from '../../lib/common/key-layout';
import {
  BudgetExceededError,
  ConfigurationError,
  RedisOperationError,
  UnexpectedScriptResultError,
  ValidationError,
  isBudgetExceededError,
} from '../../lib/errors';
import { RedisBudgetLedger, type BudgetReservation } from '../../lib/quotas';
import { errorOf, rejectionOf } from '../support/errors';
import {
  closeClients,
  createClient,
  deleteKeys,
  eventually,
  keysUnder,
  uniquePrefix,
} from '../support/redis';

const prefix = uniquePrefix('budget');
let client: Redis;
let ledger: RedisBudgetLedger;
let tenants = 0;
/** A fresh tenant root per test. */
let t: string;

beforeAll(() => {
  client = createClient();
  ledger = new RedisBudgetLedger(client, { keyPrefix: prefix });
});

beforeEach(() => {
  t = `tenant${++tenants}`;
});

afterAll(async () => {
  await deleteKeys(client, prefix);
  await closeClients();
});

describe('reserve', () => {
  it('checks every level of the path and names the one that refuses', async () => {
    await ledger.setBudget(t, 100);
    await ledger.setBudget(`${t}/conv`, 60);
    await ledger.setBudget(`${t}/conv/run`, 50);
    const first = await ledger.reserve(`${t}/conv/run`, 40);
    expect(first).toMatchObject({ path: `${t}/conv/run`, amount: 40 });
    // The run has 10 left.
    let error = await rejectionOf(BudgetExceededError, ledger.reserve(`${t}/conv/run`, 11));
    expect(error).toMatchObject({ level: `${t}/conv/run`, remaining: 10, requested: 11 });
    expect(error.retryable).toBe(false);
    expect(isBudgetExceededError(error)).toBe(true);
    // A sibling run has no budget of its own: the conversation (20 left) refuses.
    error = await rejectionOf(BudgetExceededError, ledger.reserve(`${t}/conv/other`, 21));
    expect(error).toMatchObject({ level: `${t}/conv`, remaining: 20 });
    await ledger.reserve(`${t}/conv/other`, 20);
    // Another conversation is held back by the tenant (100 - 60 held).
    error = await rejectionOf(BudgetExceededError, ledger.reserve(`${t}/conv2`, 41));
    expect(error).toMatchObject({ level: t, remaining: 40 });
    expect(await ledger.remaining(`${t}/conv2`)).toBe(40);
    expect(await ledger.remaining(`${t}/conv/run`)).toBe(0);
  });

  it('fails closed on a path with no budget at any level', async () => {
    const error = await rejectionOf(BudgetExceededError, ledger.reserve(`${t}/x`, 1));
    expect(error).toMatchObject({ level: t, remaining: 0 });
    expect(await ledger.remaining(`${t}/x`)).toBe(0);
  });

  it('settles the actual amount at every level and releases the rest', async () => {
    await ledger.setBudget(t, 100);
    await ledger.setBudget(`${t}/a`, 80);
    const reservation = await ledger.reserve(`${t}/a`, 50);
    expect(await ledger.settle(reservation, 30)).toBe(true);
    expect(await ledger.inspect(`${t}/a`)).toEqual([
      { path: t, budget: 100, spent: 30, reserved: 0, remaining: 70 },
      { path: `${t}/a`, budget: 80, spent: 30, reserved: 0, remaining: 50 },
    ]);
    await expect(ledger.settle(reservation, 1)).rejects.toMatchObject({ rule: 'once' });
    const released = await ledger.reserve(`${t}/a`, 50);
    expect(await ledger.release(released)).toBe(true);
    expect(await ledger.remaining(`${t}/a`)).toBe(50);
    // A new budget keeps what was spent.
    await ledger.setBudget(`${t}/a`, 40);
    expect(await ledger.remaining(`${t}/a`)).toBe(10);
  });

  it('releases expired reservations, and still charges a late settle', async () => {
    await ledger.setBudget(t, 10);
    const lapsing = await ledger.reserve(t, 10, { ttlMs: 200 });
    await rejectionOf(BudgetExceededError, ledger.reserve(t, 1));
    expect(await eventually(async () => (await ledger.remaining(t)) === 10, 5_000)).toBe(true);
    expect(await ledger.settle(lapsing, 4)).toBe(false);
    expect(await ledger.inspect(t)).toEqual([
      { path: t, budget: 10, spent: 4, reserved: 0, remaining: 6 },
    ]);
  });

  it('keeps every key of a root under the prefix and its hash tag', async () => {
    await ledger.setBudget(t, 10);
    await ledger.reserve(`${t}/a/b`, 1);
    const keys = new KeyLayout(prefix).budget(t);
    const stored = (await keysUnder(client, prefix)).filter((key) => key.includes(`{${t}}`));
    expect(stored.sort()).toEqual([...keys].sort());
  });
});

describe('input', () => {
  it('rejects bad paths, amounts, options and reservations', async () => {
    await expect(ledger.setBudget('a//b', 1)).rejects.toMatchObject({ field: 'path[1]' });
    await expect(ledger.setBudget(7 as never, 1)).rejects.toMatchObject({ rule: 'isString' });
    await expect(ledger.setBudget('a/b/c/d/e/f/g/h/i', 1)).rejects.toMatchObject({
      rule: 'maxDepth',
    });
    await expect(ledger.setBudget(t, -1)).rejects.toMatchObject({ rule: 'range' });
    await expect(ledger.setBudget(t, 2e15)).rejects.toMatchObject({ rule: 'range' });
    await expect(ledger.reserve(t, 0.5)).rejects.toMatchObject({ rule: 'isSafeInteger' });
    await expect(ledger.reserve(t, 1, { ttlMs: 0 })).rejects.toMatchObject({
      field: 'options.ttlMs',
    });
    await expect(
      ledger.settle({ id: 'x', path: t, amount: 1, expiresAt: 0 }, -1),
    ).rejects.toMatchObject({
      field: 'actual',
    });
    await expect(
      ledger.release({ id: 'bad id', path: t } as BudgetReservation),
    ).rejects.toMatchObject({
      field: 'reservation.id',
    });
    await expect(ledger.release({ id: 'x', path: '' } as BudgetReservation)).rejects.toMatchObject({
      field: 'reservation.path[0]',
    });
    await expect(ledger.release(null as never)).rejects.toBeInstanceOf(ValidationError);
    expect(
      errorOf(ConfigurationError, () => new RedisBudgetLedger(client, { reservationTtlMs: 0 }))
        .field,
    ).toBe('reservationTtlMs');
  });

  it('handles large amounts exactly', async () => {
    await ledger.setBudget(t, 1e15);
    const reservation = await ledger.reserve(t, 1e15 - 1);
    await ledger.settle(reservation, 1e15 - 1);
    expect(await ledger.remaining(t)).toBe(1);
  });
});

describe('Redis trouble', () => {
  it('surfaces failures as RedisOperationError and lets an end be tried again', async () => {
    // A client whose every script fails.
    const broken = new Proxy(
      {},
      {
        get: (_target, name) =>
          name === 'defineCommand' ? () => undefined : () => Promise.reject(new Error('down')),
      },
    ) as Redis;
    const failing = new RedisBudgetLedger(broken, { keyPrefix: prefix });
    await ledger.setBudget(t, 10);
    const reservation = await ledger.reserve(t, 5);
    await rejectionOf(RedisOperationError, failing.release(reservation));
    expect(await ledger.release(reservation)).toBe(true);
  });

  it('refuses replies of an unexpected shape', async () => {
    // A client whose every script answers 'odd'.
    const odd = new Proxy(
      {},
      {
        get: (_target, name) =>
          name === 'defineCommand' ? () => undefined : () => Promise.resolve('odd'),
      },
    ) as Redis;
    const ledgerOnOdd = new RedisBudgetLedger(odd, { keyPrefix: prefix });
    const reservation = { id: 'x', path: t, amount: 1, expiresAt: 0 };
    for (const attempt of [
      () => ledgerOnOdd.reserve(t, 1),
      () => ledgerOnOdd.settle(reservation, 1),
      () => ledgerOnOdd.inspect(t),
    ]) {
      await rejectionOf(UnexpectedScriptResultError, attempt());
    }
  });
});
