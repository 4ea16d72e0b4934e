import { ConfigurationError } from '../errors';
import type { OutgoingMessage } from './message-coordinator';
import type { AgentId, ResolvedAgentId } from '../common/agent-id';
import type { MessageType } from './models/message.enums';
import type { MessageResult } from './models/queue-message';

/**
 * The coordinator call a send belongs to.
 *
 * @beta
 */
export type SendOperation = 'send' | 'broadcast' | 'publish' | 'request';

/**
 * One send as {@link CoordinatorInstrumentation.aroundSend} sees it, before validation.
 *
 * @beta
 */
export interface OutgoingSend {
  /**
   * `send` for `sendMessage`, `reply` and each message of `sendMessages`; `broadcast`,
   * `publish` and `request` for those calls.
   */
  operation: SendOperation;
  /** The sender, as the caller gave it. */
  sender: AgentId;
  /** The recipient of a `send` or `request`; absent for `broadcast` and `publish`. */
  recipient?: AgentId;
  /**
   * The message as the caller gave it (an object; for a `request` with `messageType`
   * REQUEST), not yet validated nor completed: no generated id, no timestamp, no default type.
   */
  message: OutgoingMessage;
}

/**
 * A message the coordinator handed to Redis, with what became of it.
 *
 * @beta
 */
export interface MessageSentEvent {
  /** The sender, instance filled in. */
  sender: ResolvedAgentId;
  /** The recipient, instance filled in. */
  recipient: ResolvedAgentId;
  /** Id of the message (generated unless the caller gave one). */
  messageId: string;
  /** Its type. */
  messageType: MessageType;
  /** Its correlation id; absent when it carries none. */
  correlationId?: string;
  /**
   * What the send returned for it: `delivered`, or why not (`duplicate`, `queue full`, a
   * Redis error).
   */
  result: MessageResult;
}

/**
 * Hooks that observe a {@link RedisMessageCoordinator}'s sends, for tracing and metrics
 * (option `instrumentation`); the worker's counterpart is `AgentWorkerOptions.instrumentation`.
 * Framework-free: OpenTelemetry or prom-client live in the hooks, not in the coordinator.
 * Without hooks the coordinator does nothing extra per call.
 *
 * Hooks are called as methods of this object, so a class instance works.
 *
 * @beta
 */
export interface CoordinatorInstrumentation {
  /**
   * Wraps one send: `sendMessage` (and `reply`), each message of `sendMessages` (side by side,
   * the batch still goes to Redis in one round trip once every hook has called `run`),
   * `broadcastMessage` and `publish` (one call for all recipients), and `request` (until the
   * response arrives or the request fails). The hook must call `run` exactly once, with the
   * message or a copy of it (e.g. one whose `routing.tags` carry a trace context), and return
   * or throw what `run` does; `run` validates the message, so invalid input throws from it.
   * Messages that are not even objects skip the hook. A `sendMessages` hook that throws
   * before calling `run` fails the whole batch and nothing is sent.
   */
  aroundSend?<T>(send: OutgoingSend, run: (message: OutgoingMessage) => Promise<T>): Promise<T>;
  /**
   * Called once per recipient of every message handed to Redis, with its result, also for
   * one that was not delivered (duplicate, queue full, Redis error); not for input refused by
   * validation. It cannot fail a send: what it throws is logged at `warn`.
   */
  sent?(event: MessageSentEvent): void;
}

/** The hooks with an `aroundSend`. */
type AroundSendHooks = Required<Pick<CoordinatorInstrumentation, 'aroundSend'>>;

/**
 * Checks the `instrumentation` option: an object whose hooks, where given, are functions.
 *
 * @throws ConfigurationError naming the hook
 */
export function assertInstrumentation(
  value: CoordinatorInstrumentation | undefined,
): CoordinatorInstrumentation | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError('instrumentation', 'isObject', 'must be an object of hooks');
  }
  for (const hook of ['aroundSend', 'sent'] as const) {
    if (value[hook] !== undefined && typeof value[hook] !== 'function') {
      throw new ConfigurationError(`instrumentation.${hook}`, 'isFunction', 'must be a function');
    }
  }
  return value;
}

/**
 * Hooks that run `outer`'s, then `inner`'s: `inner.aroundSend` runs inside `outer.aroundSend`
 * and sees the message `outer` passes on. Either may be absent.
 */
export function chainInstrumentation(
  outer: CoordinatorInstrumentation | undefined,
  inner: CoordinatorInstrumentation | undefined,
): CoordinatorInstrumentation | undefined {
  if (!outer || !inner) return outer ?? inner;
  const chained: CoordinatorInstrumentation = {};
  if (outer.aroundSend && inner.aroundSend) {
    chained.aroundSend = (send, run) =>
      outer.aroundSend!(send, (message) => inner.aroundSend!({ ...send, message }, run));
  } else if (outer.aroundSend || inner.aroundSend) {
    const one = outer.aroundSend ? outer : inner;
    chained.aroundSend = (send, run) => one.aroundSend!(send, run);
  }
  if (outer.sent || inner.sent) {
    chained.sent = (event) => {
      outer.sent?.(event);
      inner.sent?.(event);
    };
  }
  return chained;
}

/**
 * Runs `hooks.aroundSend` for every send of a batch side by side (each in its caller's
 * context, none inside another's), then `sendAll` once with the messages the hooks passed to
 * `run`, in order; each hook's `run` resolves to its own message's result. A hook that fails
 * before calling `run`, or settles without calling it, fails the batch before it is sent.
 */
export function aroundEach<R>(
  hooks: AroundSendHooks,
  sends: readonly OutgoingSend[],
  sendAll: (messages: OutgoingMessage[]) => Promise<R[]>,
): Promise<R[]> {
  const messages: OutgoingMessage[] = new Array<OutgoingMessage>(sends.length);
  let waiting = sends.length;
  let settle!: { resolve: (results: R[]) => void; reject: (error: unknown) => void };
  const batch = new Promise<R[]>((resolve, reject) => (settle = { resolve, reject }));
  // A batch failed by a hook may have no `run` waiting on it; each `run` still sees the error.
  batch.catch(() => undefined);
  return Promise.all(
    sends.map((send, index) => {
      let ran = false;
      const run = (message: OutgoingMessage): Promise<R> => {
        if (ran) return Promise.reject(runOnce());
        ran = true;
        messages[index] = message;
        if (--waiting === 0) sendAll(messages).then(settle.resolve, settle.reject);
        return batch.then((results) => results[index]);
      };
      return invoke(() => hooks.aroundSend(send, run)).then(
        (result) => {
          if (ran) return result;
          const error = runOnce();
          settle.reject(error);
          throw error;
        },
        (error: unknown) => {
          settle.reject(error);
          throw error;
        },
      );
    }),
  );
}

/** `call()`, a synchronous throw included, as a promise. */
async function invoke<T>(call: () => Promise<T>): Promise<T> {
  return call();
}

function runOnce(): ConfigurationError {
  return new ConfigurationError(
    'instrumentation.aroundSend',
    'callsRunOnce',
    'must call run exactly once',
  );
}
