import { sleep } from '../common/sleep';
import { duplicateWatched } from '../common/connection-monitor';
import { silentLogger, type CoordinationLogger } from '../common/logger';
import type { RedisClient } from '../common/redis-client';

/**
 * Waits for an agent's wake marker. Blocking clients wait in `BLPOP` on connections
 * duplicated from the caller's (one per concurrent waiter, kept for reuse); clients that
 * cannot block (ioredis-mock) poll the marker in short steps instead. Each duplicated
 * connection reports its trouble to `logger` (once per state), never as an unhandled error.
 */
export class WakeWaiter {
  private readonly idle: RedisClient[] = [];
  private readonly busy = new Set<RedisClient>();
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly blocking: boolean,
    private readonly pollIntervalMs: number,
    private readonly logger: CoordinationLogger = silentLogger,
  ) {}

  /** Resolves when the marker was taken, `ms` passed, or `signal` fired. */
  async wait(wakeKey: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || ms <= 0 || signal?.aborted) return;
    if (!this.blocking) {
      // A receive in progress is work in progress: the poll keeps the process alive.
      await sleep(Math.min(ms, this.pollIntervalMs), signal, true);
      return;
    }
    const connection = this.idle.pop() ?? duplicateWatched(this.client, this.logger);
    this.busy.add(connection);
    const onAbort = (): void => connection.disconnect();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connection.blpop(wakeKey, Math.max(ms, 1) / 1000);
      this.release(connection, signal);
    } catch {
      this.busy.delete(connection);
      connection.disconnect();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private release(connection: RedisClient, signal?: AbortSignal): void {
    this.busy.delete(connection);
    if (this.closed || signal?.aborted) connection.disconnect();
    else this.idle.push(connection);
  }

  /** Closes every duplicated connection; waits in progress end at once. */
  close(): void {
    this.closed = true;
    for (const connection of [...this.idle, ...this.busy]) connection.disconnect();
    this.idle.length = 0;
    this.busy.clear();
  }
}
