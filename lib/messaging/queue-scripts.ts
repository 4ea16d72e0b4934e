import type { QueueKeys } from '../common/key-layout';
import { loadLuaScript } from '../common/lua-script';
import { MessagePriority } from './models/message.enums';

const dir = `${__dirname}/scripts`;
/** The coordinator's Lua scripts, one per state change. */
export const QueueScripts = {
  send: loadLuaScript(dir, 'send-messages-7.lua'),
  reserve: loadLuaScript(dir, 'reserve-message-10.lua'),
  ack: loadLuaScript(dir, 'ack-message-5.lua'),
  ackAndReserve: loadLuaScript(dir, 'ack-and-reserve-11.lua'),
  ackAndReserveMany: loadLuaScript(dir, 'ack-and-reserve-many-11.lua'),
  nack: loadLuaScript(dir, 'nack-message-7.lua'),
  extend: loadLuaScript(dir, 'extend-reservation-1.lua'),
  recover: loadLuaScript(dir, 'recover-expired-10.lua'),
  release: loadLuaScript(dir, 'release-reservations-6.lua'),
  replay: loadLuaScript(dir, 'replay-dead-letters-8.lua'),
  purge: loadLuaScript(dir, 'purge-dead-letters-5.lua'),
  expire: loadLuaScript(dir, 'expire-queue-12.lua'),
} as const;

/** Result codes of `send-messages`, one digit per message. */
export enum SendResult {
  ENQUEUED = 1,
  DUPLICATE = 2,
  QUEUE_FULL = 3,
  BAD_PRIORITY = 5,
}

/** Result codes of `nack-message`. */
export enum NackResult {
  UNKNOWN_TOKEN = 0,
  RETRY_SCHEDULED = 1,
  DEAD_LETTERED = 2,
}

/** Ready lists of a queue, highest priority first. */
export function readyKeys(keys: QueueKeys): [string, string, string] {
  return [
    keys.ready[MessagePriority.HIGH],
    keys.ready[MessagePriority.NORMAL],
    keys.ready[MessagePriority.LOW],
  ];
}

/** KEYS of `send-messages`, in order. */
export function sendKeys(keys: QueueKeys): string[] {
  return [...readyKeys(keys), keys.bodies, keys.dedup, keys.wake, keys.dead];
}

/** Every key of a queue, in the order of `expire-queue`'s KEYS. */
export function allQueueKeys(keys: QueueKeys): string[] {
  return [
    ...readyKeys(keys),
    keys.delayed,
    keys.reserved,
    keys.bodies,
    keys.attempts,
    keys.errors,
    keys.dead,
    keys.dedup,
    keys.seq,
    keys.wake,
  ];
}

/** KEYS of `reserve-message`, in order. */
export function reserveKeys(keys: QueueKeys): string[] {
  return [
    ...readyKeys(keys),
    keys.delayed,
    keys.reserved,
    keys.bodies,
    keys.attempts,
    keys.seq,
    keys.wake,
    keys.errors,
  ];
}

/** KEYS of `ack-and-reserve` and `ack-and-reserve-many`, in order: the reserve keys, then dedup. */
export function ackAndReserveKeys(keys: QueueKeys): string[] {
  return [...reserveKeys(keys), keys.dedup];
}
