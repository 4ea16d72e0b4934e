import {
  AgentWorker,
  HandlerTimeoutError,
  MessageType,
  RedisMessageCoordinator,
  type AgentWorkerOptions,
  type MessageHandledEvent,
  silentLogger,
} from '../../lib';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/**
 * A handler that ignores its abort signal past `handlerTimeoutMs` keeps its message: the retry
 * starts only once it has settled, in its own process and in another one.
 */

jest.setTimeout(60_000);

const AGENT = { type: 'charger' };
const SENDER = { type: 'shop' };
const silent = silentLogger;

/** A handler run: when it started and settled, and what its signal said. */
interface Run {
  attempt: number;
  startedAt: number;
  settledAt?: number;
  abortReason?: unknown;
}

describe('handler timeouts never run one message twice at once', () => {
  const prefix = uniquePrefix('handler-timeout');
  const client = createClient();
  const coordinator = new RedisMessageCoordinator(client, {
    keyPrefix: prefix,
    backoffBaseMs: 1,
    jitter: 'none',
  });
  const workers: AgentWorker[] = [];
  let other: WorkerProcess | undefined;

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await other?.stop();
    other = undefined;
    await deleteKeys(client, prefix);
  });

  afterAll(async () => {
    await coordinator.close();
    await closeClients();
  });

  /**
   * A worker whose first attempt ignores its signal until `release` resolves, then fails
   * with the signal's reason, as a handler that checks it only at the end would.
   */
  function stubbornWorker(release: Promise<void>, options: Partial<AgentWorkerOptions> = {}) {
    const runs: Run[] = [];
    const handled: MessageHandledEvent[] = [];
    const worker = new AgentWorker(
      coordinator,
      {
        agent: AGENT,
        concurrency: 2,
        visibilityTimeoutMs: 400,
        recoverIntervalMs: 20,
        receiveWaitMs: 50,
        handlerTimeoutMs: 50,
        logger: silent,
        instrumentation: { handled: (event) => handled.push(event) },
        ...options,
      },
      async (_payload, context) => {
        const run: Run = { attempt: context.attempt, startedAt: Date.now() };
        runs.push(run);
        context.signal.addEventListener('abort', () => {
          run.abortReason = context.signal.reason as unknown;
        });
        if (context.attempt === 1) await release;
        run.settledAt = Date.now();
        context.signal.throwIfAborted();
      },
    );
    workers.push(worker);
    worker.start();
    return { worker, runs, handled };
  }

  async function charge(): Promise<void> {
    const sent = await coordinator.sendMessage(SENDER, AGENT, {
      messageType: MessageType.EVENT,
      payload: { amount: 10 },
    });
    expect(sent.delivered).toBe(true);
  }

  it('in one process: the retry starts only after the timed-out handler settled', async () => {
    let release!: () => void;
    const { runs, handled } = stubbornWorker(new Promise((resolve) => (release = resolve)));
    await charge();
    expect(await eventually(() => runs[0]?.abortReason !== undefined, 5_000)).toBe(true);
    expect(runs[0].abortReason).toBeInstanceOf(HandlerTimeoutError);
    // Recovery runs every 20 ms with a slot free, for over two 400 ms visibility timeouts, yet
    // the message stays reserved to the running handler and nothing starts again.
    const recoveries = jest.spyOn(coordinator, 'recoverPending');
    expect(await eventually(() => recoveries.mock.calls.length >= 40, 10_000)).toBe(true);
    expect(await coordinator.stats(AGENT)).toMatchObject({ reserved: 1, ready: 0, delayed: 0 });
    expect(runs).toHaveLength(1);
    release();
    expect(await eventually(() => handled.length === 2, 5_000)).toBe(true);
    expect(runs).toHaveLength(2);
    expect(runs[1].attempt).toBe(2);
    expect(runs[1].startedAt).toBeGreaterThanOrEqual(runs[0].settledAt!);
    expect(handled[0]).toMatchObject({ outcome: 'retried', failed: true });
    expect(handled[0].error).toMatch(/timed out after 50 ms/);
    expect(handled[1]).toMatchObject({ outcome: 'acked', attempt: 2 });
  });

  it('across two processes: the other process gets the retry only after the handler settled', async () => {
    let release!: () => void;
    const { worker, runs, handled } = stubbornWorker(
      new Promise((resolve) => (release = resolve)),
      // A longer reservation here: starting the other process loads the machine.
      { concurrency: 1, visibilityTimeoutMs: 600 },
    );
    await charge();
    expect(await eventually(() => runs[0]?.abortReason !== undefined, 5_000)).toBe(true);
    // A second process serves the same agent, recovering expired reservations every 50 ms.
    other = await startWorkerProcess({ KEY_PREFIX: prefix, AGENT_TYPE: AGENT.type, MODE: 'ack' });
    // Eight more extensions (over two visibility timeouts) while the other process recovers
    // every 50 ms: had the reservation lapsed, the other process would have started.
    const extensions = jest.spyOn(coordinator, 'extend');
    expect(await eventually(() => extensions.mock.calls.length >= 8, 10_000)).toBe(true);
    expect(await coordinator.stats(AGENT)).toMatchObject({ reserved: 1 });
    expect(other.starts).toEqual([]);
    // This process stops taking messages, so the retry goes to the other one.
    const closed = worker.close();
    release();
    await closed;
    expect(handled[0]).toMatchObject({ outcome: 'retried' });
    expect(await eventually(() => other!.starts.length === 1, 10_000)).toBe(true);
    expect(other.starts[0].attempt).toBe(2);
    expect(other.starts[0].at).toBeGreaterThanOrEqual(runs[0].settledAt!);
    expect(runs).toHaveLength(1);
  });
});
