import type Redis from 'ioredis';
import {
  QuotaExceededError,
  RedisOperationError,
  UnexpectedScriptResultError,
} from '../../../lib/errors';
import { RedisBudgetLedger, RedisQuotaRegistry } from '../../../lib/quotas';
import { parseAcquireReply, parseSettleReply } from '../../../lib/quotas/quota-scripts';
import { resolveBudgetLedgerOptions } from '../../../lib/quotas/budget.options';
import { resolveQuotaRegistryOptions } from '../../../lib/quotas/quota.options';
import { rejectionOf } from '../../support/errors';
import { eventually } from '../../support/redis';

type Handler = (...args: (string | number)[]) => Promise<unknown>;

/** A client whose commands (scripts by their `tta_` names) answer from `handlers`. */
function fakeClient(handlers: Record<string, Handler>): Redis {
  return new Proxy(
    {},
    {
      get: (_target, name: string) =>
        name === 'defineCommand'
          ? () => undefined
          : (handlers[name] ?? (() => Promise.reject(new Error(`unexpected ${name}`)))),
    },
  ) as Redis;
}

/** An acquire-quota reply: {code, ms, seq, head, now}. */
const reply = (code: number, seq = 0, head = ''): unknown[] => [
  code,
  code === 1 ? 1000 : 50,
  seq,
  head,
  1,
];
/** The seat id of the registry, as the script sees it (ARGV[8]). */
const seatOf = (args: (string | number)[]): string => String(args[6 + 7]);

describe('RedisQuotaRegistry against a scripted client', () => {
  it('gives back a lease admitted for a waiter that had already given up', async () => {
    const settled: (string | number)[][] = [];
    let calls = 0;
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: async () => {
          calls++;
          if (calls === 1) return reply(6, 1);
          // The pump's attempt answers only after the waiter's waitMs has passed.
          await new Promise((resolve) => setTimeout(resolve, 100));
          return reply(1);
        },
        tta_settle_lease: (...args) => {
          settled.push(args);
          return Promise.resolve([1, 1, '', 2]);
        },
      }),
      { subscribe: false },
    );
    registry.define('q', { concurrency: 1 });
    const error = await rejectionOf(
      QuotaExceededError,
      registry.acquire('q', { waitMs: 20, tokens: 0 }),
    );
    expect(error.reason).toBe('concurrency');
    expect(await eventually(() => settled.length === 1, 5_000)).toBe(true);
    // Charged nothing for it.
    expect(settled[0][6 + 1]).toBe(0);
    await registry.close();
  });

  it('reports a give-back that fails, and a failure after the waiter gave up', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: async () => {
          calls++;
          if (calls === 1 || calls === 3) return reply(6, calls);
          await new Promise((resolve) => setTimeout(resolve, 100));
          if (calls === 2) return reply(1);
          throw new Error('down');
        },
        tta_settle_lease: () => Promise.reject(new Error('down')),
        tta_leave_line: () => Promise.resolve(''),
      }),
      { subscribe: false, onError: (error) => errors.push(error) },
    );
    registry.define('q', { concurrency: 1 });
    await rejectionOf(QuotaExceededError, registry.acquire('q', { waitMs: 20 }));
    expect(await eventually(() => errors.length === 1, 5_000)).toBe(true);
    expect(errors[0]).toBeInstanceOf(RedisOperationError);
    // The next waiter's attempt fails after it gave up: nobody is left to tell.
    await rejectionOf(QuotaExceededError, registry.acquire('q', { waitMs: 20 }));
    expect(await eventually(() => calls === 4, 5_000)).toBe(true);
    await registry.close();
  });

  it('fails the waiting head when Redis fails, and reports a failed leave', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: () =>
          ++calls === 1 ? Promise.resolve(reply(6, 1)) : Promise.reject(new Error('down')),
        tta_leave_line: () => Promise.reject(new Error('down too')),
      }),
      { subscribe: false, onError: (error) => errors.push(error) },
    );
    registry.define('q', { concurrency: 1 });
    await rejectionOf(RedisOperationError, registry.acquire('q', { waitMs: 5_000 }));
    expect(await eventually(() => errors.length === 1)).toBe(true);
    expect(errors[0]).toBeInstanceOf(RedisOperationError);
    await registry.close();
  });

  it('wakes its own waiter at once when a settle of this process frees the head', async () => {
    let seat = '';
    let free = false;
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: (...args) => {
          seat = seatOf(args);
          if (free) return Promise.resolve(reply(1));
          return Promise.resolve(args[6 + 7] === '' ? reply(1) : reply(6, 1, seat));
        },
        tta_settle_lease: () => {
          free = true;
          return Promise.resolve([1, 1, seat, 2]);
        },
      }),
      // A poll far past the test: only the wake-up can serve the waiter.
      { subscribe: false, pollIntervalMs: 60_000, seatTtlMs: 120_000 },
    );
    registry.define('q', { concurrency: 1 });
    const held = await registry.acquire('q');
    const waiting = registry.acquire('q', { waitMs: 30_000 });
    await eventually(() => seat !== '');
    await held.settle();
    await expect(waiting).resolves.toMatchObject({ quotaName: 'q' });
    await registry.close();
  });

  it('reports a failed wake-up publish and carries on', async () => {
    const errors: Error[] = [];
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: () => Promise.resolve(reply(1, 0, 'other-seat')),
        publish: () => Promise.reject(new Error('down')),
        duplicate: () => Promise.resolve(),
      }),
      { subscribe: false, onError: (error) => errors.push(error) },
    );
    registry.define('q', { concurrency: 1 });
    // Without a subscription nobody listens: nothing is published.
    await registry.acquire('q');
    expect(errors).toEqual([]);
    await registry.close();

    const listeners: Record<string, (...args: unknown[]) => void> = {};
    const subscriber = {
      on: (event: string, listener: (...args: unknown[]) => void) => (listeners[event] = listener),
      subscribe: () => Promise.resolve(),
      quit: () => Promise.reject(new Error('x')),
      disconnect: () => undefined,
    };
    const listening = new RedisQuotaRegistry(
      fakeClient({
        tta_acquire_quota: () => Promise.resolve(reply(1, 0, 'other-seat')),
        publish: () => Promise.reject(new Error('down')),
        duplicate: (() => subscriber) as unknown as Handler,
      }),
      { onError: (error) => errors.push(error) },
    );
    listening.define('q', { concurrency: 1 });
    await listening.acquire('q');
    expect(errors[0]).toBeInstanceOf(RedisOperationError);
    // Wake-ups for other seats, or for quotas it does not know, are ignored.
    listeners.message('channel', 'q other-seat');
    listeners.message('channel', 'unknown other-seat');
    listeners.error(new Error('subscriber trouble'));
    expect(errors).toHaveLength(2);
    await listening.close();
  });

  it('reports a subscription that fails, and its waiters still poll', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const subscriber = {
      on: () => undefined,
      subscribe: () => Promise.reject(new Error('no pub/sub')),
      quit: () => Promise.resolve(),
    };
    const registry = new RedisQuotaRegistry(
      fakeClient({
        duplicate: (() => subscriber) as unknown as Handler,
        tta_acquire_quota: () => Promise.resolve(++calls < 3 ? reply(6, 1) : reply(1)),
      }),
      { pollIntervalMs: 20, seatTtlMs: 1_000, onError: (error) => errors.push(error) },
    );
    registry.define('q', { concurrency: 1 });
    await expect(registry.acquire('q', { waitMs: 10_000 })).resolves.toMatchObject({
      quotaName: 'q',
    });
    expect(errors.map((error) => error.message)).toEqual(['no pub/sub']);
    await registry.close();
  });

  it('refuses at once, without asking Redis, a request that will not wait behind waiters', async () => {
    let calls = 0;
    const subscriber = {
      on: () => undefined,
      subscribe: () => Promise.resolve(),
      quit: () => Promise.resolve(),
    };
    const registry = new RedisQuotaRegistry(
      fakeClient({
        duplicate: (() => subscriber) as unknown as Handler,
        tta_acquire_quota: () => {
          calls++;
          return Promise.resolve(reply(4, 1));
        },
        tta_leave_line: () => Promise.resolve(''),
      }),
    );
    registry.define('q', { requestsPerMinute: 1 });
    const waiting = rejectionOf(QuotaExceededError, registry.acquire('q', { waitMs: 200 }));
    await eventually(() => calls >= 2);
    const before = calls;
    const error = await rejectionOf(QuotaExceededError, registry.acquire('q'));
    expect(error.reason).toBe('requests');
    expect(calls).toBe(before);
    await waiting;
    await registry.close();
  });

  it('refuses replies of an unexpected shape', async () => {
    const registry = new RedisQuotaRegistry(
      fakeClient({
        tta_inspect_quota: () => Promise.resolve('odd'),
        tta_penalise_quota: () => Promise.resolve('odd'),
      }),
      { subscribe: false },
    );
    registry.define('q', { concurrency: 1 });
    await rejectionOf(UnexpectedScriptResultError, registry.usage('q'));
    await rejectionOf(UnexpectedScriptResultError, registry.penalise('q', 1));
    expect(() => parseAcquireReply([9, 0, 0, '', 0])).toThrow(UnexpectedScriptResultError);
    expect(() => parseAcquireReply('odd')).toThrow(UnexpectedScriptResultError);
    expect(() => parseSettleReply([2, 0, '', 0])).toThrow(UnexpectedScriptResultError);
    expect(() => parseSettleReply(null)).toThrow(UnexpectedScriptResultError);
    await registry.close();
  });

  it('has defaults that need no options', async () => {
    expect(resolveQuotaRegistryOptions().onError(new Error('ignored'))).toBeUndefined();
    expect(resolveBudgetLedgerOptions().keyPrefix).toBe('ao');
    const ledger = new RedisBudgetLedger(fakeClient({ tta_read_budget: () => Promise.resolve(5) }));
    await rejectionOf(UnexpectedScriptResultError, ledger.inspect('a'));
  });
});
