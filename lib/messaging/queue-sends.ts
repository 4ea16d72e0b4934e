import type { KeyLayout } from '../common/key-layout';
import {
  runLuaScript,
  runLuaScriptBatch,
  type ScriptCall,
  type ScriptOutcome,
} from '../common/lua-script';
import type { RedisClient } from '../common/redis-client';
import { UnexpectedScriptResultError } from '../errors';
import { formatAgentId } from '../common/agent-id';
import type { MessageResult } from './models/queue-message';
import type { PreparedMessage } from './outgoing-message';
import { QueueScripts, SendResult, sendKeys } from './queue-scripts';

/** Messages per send-script call: a larger batch is split so that no call holds Redis long. */
export const SEND_CHUNK = 500;

/**
 * Runs the send script once per recipient (and per {@link SEND_CHUNK} messages): all calls in
 * one pipeline, or concurrently on a Cluster, whose pipelines must stay within a slot. Never
 * throws: a failure becomes `delivered: false` for the messages it concerns. Results are in
 * batch order.
 */
export async function sendPrepared(
  redis: RedisClient,
  layout: KeyLayout,
  queueSize: number,
  batch: readonly PreparedMessage[],
): Promise<MessageResult[]> {
  const chunks = chunkByRecipient(batch, SEND_CHUNK);
  const calls = chunks.map((chunk): ScriptCall => {
    const keys = layout.queue(chunk[0].recipient);
    const args: (string | number)[] = [queueSize];
    for (const p of chunk) args.push(p.message.messageId, p.priority, p.body);
    return {
      keys: sendKeys(keys),
      args,
    };
  });
  const runOne = (call: ScriptCall): Promise<ScriptOutcome> =>
    runLuaScript(redis, QueueScripts.send, call.keys, call.args).then(
      (reply) => ({ reply }),
      (error: Error) => ({ error }),
    );
  const outcomes: ScriptOutcome[] =
    calls.length === 1 || redis.isCluster
      ? await Promise.all(calls.map(runOne))
      : await runLuaScriptBatch(redis, QueueScripts.send, calls).catch((error: Error) =>
          calls.map(() => ({ error })),
        );
  const results = new Map<PreparedMessage, MessageResult>();
  chunks.forEach((chunk, c) => {
    const { reply, error } = outcomes[c];
    // The script answers one digit per message, in order.
    chunk.forEach((p, i) =>
      results.set(p, error ? failedSend(p, error) : sendOutcome(p, Number(String(reply)[i]))),
    );
  });
  return batch.map((p) => results.get(p)!);
}

/** The result of a send script's code for one message. */
function sendOutcome(prepared: PreparedMessage, code: unknown): MessageResult {
  const messageId = prepared.message.messageId;
  switch (code) {
    case SendResult.ENQUEUED:
      return { messageId, delivered: true };
    case SendResult.DUPLICATE:
      return { messageId, delivered: false, duplicate: true, error: 'duplicate' };
    case SendResult.QUEUE_FULL:
      return { messageId, delivered: false, error: 'queue full' };
    default:
      return {
        messageId,
        delivered: false,
        error: new UnexpectedScriptResultError('send', code).message,
      };
  }
}

/** A send that Redis did not take. */
export function failedSend(prepared: PreparedMessage, error: unknown): MessageResult {
  return {
    messageId: prepared.message.messageId,
    delivered: false,
    error: `redis error: ${(error as Error).message}`,
  };
}

/**
 * Messages grouped by recipient (groups in order of first appearance, messages in batch
 * order), each group cut into chunks of at most `size`.
 */
function chunkByRecipient(batch: readonly PreparedMessage[], size: number): PreparedMessage[][] {
  const groups = new Map<string, PreparedMessage[]>();
  for (const p of batch) {
    const key = formatAgentId(p.recipient);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const chunks: PreparedMessage[][] = [];
  for (const group of groups.values())
    for (let first = 0; first < group.length; first += size)
      chunks.push(group.slice(first, first + size));
  return chunks;
}
