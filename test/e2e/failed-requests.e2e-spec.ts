import {
  AgentRequestError,
  ErrorCode,
  MessageType,
  RedisMessageCoordinator,
  isAgentRequestError,
} from '../../lib';
import { closeClients, createClient, deleteKeys, eventually, uniquePrefix } from '../support/redis';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/**
 * A caller and a worker in two Node processes: a REQUEST that fails for good is answered with
 * an error RESPONSE, so `request()` rejects at once instead of waiting out its timeout; a
 * message past its deadline is dead-lettered without reaching its handler.
 */

jest.setTimeout(60_000);

const CALLER = { type: 'shop' };
/** The request's own timeout: the error must come long before it. */
const REQUEST_TIMEOUT_MS = 30_000;

describe('failed requests answer across processes', () => {
  const prefix = uniquePrefix('failed-requests');
  const client = createClient();
  const coordinator = new RedisMessageCoordinator(client, { keyPrefix: prefix });
  let other: WorkerProcess | undefined;

  afterEach(async () => {
    await other?.stop();
    other = undefined;
  });

  afterAll(async () => {
    await coordinator.close();
    await deleteKeys(client, prefix);
    await closeClients();
  });

  /** Sends a REQUEST to `agent`; the error it rejects with, and how long that took. */
  async function failedRequest(
    agent: { type: string },
    extra: { expiresAt?: string } = {},
  ): Promise<{ error: AgentRequestError; elapsedMs: number }> {
    const started = performance.now();
    const error = (await coordinator
      .request(
        CALLER,
        agent,
        { messageType: MessageType.REQUEST, payload: { amount: -1 }, ...extra },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      )
      .then(
        () => new Error('the request resolved'),
        (e: unknown) => e,
      )) as AgentRequestError;
    return { error, elapsedMs: performance.now() - started };
  }

  it('a handler that throws a ValidationError rejects the caller within 1 s with AgentRequestError', async () => {
    const agent = { type: 'strict-charger' };
    other = await startWorkerProcess({
      KEY_PREFIX: prefix,
      AGENT_TYPE: agent.type,
      MODE: 'invalid',
    });
    const { error, elapsedMs } = await failedRequest(agent);
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(isAgentRequestError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.message).toBe('Invalid payload.amount: must be > 0 (rule: isPositive)');
    expect(error.responder).toEqual({ type: agent.type, instance: 'default' });
    expect(elapsedMs).toBeLessThan(1_000);
    expect(other.starts).toHaveLength(1);
    const [dead] = await coordinator.deadLetters(agent);
    expect(dead.message.messageId).toBe(error.requestId);
  });

  it('a request to an agent with no handler for it rejects within 1 s with NO_HANDLER', async () => {
    const agent = { type: 'event-only-charger' };
    other = await startWorkerProcess({
      KEY_PREFIX: prefix,
      AGENT_TYPE: agent.type,
      MODE: 'events-only',
    });
    const { error, elapsedMs } = await failedRequest(agent);
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(error.code).toBe(ErrorCode.NO_HANDLER);
    expect(error.message).toMatch(/^no handler for message type "request"/);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(other.starts).toEqual([]);
  });

  it('a message past its deadline is dead-lettered as expired without its handler running', async () => {
    const agent = { type: 'late-charger' };
    other = await startWorkerProcess({ KEY_PREFIX: prefix, AGENT_TYPE: agent.type, MODE: 'ack' });
    const past = new Date(Date.now() - 60_000).toISOString();
    const expired = await coordinator.sendMessage(CALLER, agent, {
      messageType: MessageType.EVENT,
      payload: { amount: 1 },
      expiresAt: past,
    });
    // A live message behind it shows the worker took the queue in order.
    await coordinator.sendMessage(CALLER, agent, {
      messageType: MessageType.EVENT,
      payload: { amount: 2 },
    });
    expect(await eventually(() => other!.starts.length === 1, 10_000)).toBe(true);
    const dead = await coordinator.deadLetters(agent);
    expect(dead).toHaveLength(1);
    expect(dead[0].message.messageId).toBe(expired.messageId);
    expect(dead[0].lastError).toMatch(/^expired: its deadline /);
    expect(other.starts).toHaveLength(1);
    // An expired REQUEST answers its caller with MESSAGE_EXPIRED at once.
    const { error, elapsedMs } = await failedRequest(agent, { expiresAt: past });
    expect(error).toBeInstanceOf(AgentRequestError);
    expect(error.code).toBe(ErrorCode.MESSAGE_EXPIRED);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(other.starts).toHaveLength(1);
  });
});
