/**
 * What a message is for.
 *
 * @public
 */
export enum MessageType {
  /** Asks for a RESPONSE, sent to its `replyTo`. */
  REQUEST = 'request',
  /** Answers a REQUEST, carrying its correlation id. */
  RESPONSE = 'response',
  /** A notification that expects no answer. */
  EVENT = 'event',
}

/**
 * A message type as an enum member or its string value (`'request'`, `'response'`, `'event'`).
 *
 * @public
 */
export type MessageTypeName = MessageType | `${MessageType}`;

/**
 * Delivery priority: higher is served first; FIFO within one priority.
 *
 * @public
 */
export enum MessagePriority {
  /** Served after the NORMAL and HIGH messages waiting in the same queue. */
  LOW = 1,
  /** The default. */
  NORMAL = 5,
  /** Served before the NORMAL and LOW messages waiting in the same queue. */
  HIGH = 9,
}

/**
 * How a failed delivery is treated by `nack`. Plain strings are accepted too.
 *
 * @public
 */
export enum FailureType {
  /** Retried after backoff. */
  TRANSIENT = 'transient',
  /** Dead-lettered at once. */
  PERMANENT = 'permanent',
  /** Retried after backoff, like TRANSIENT; recorded as a timeout. */
  TIMEOUT = 'timeout',
}

/** Priorities in the order receivers are served. */
export const PRIORITIES_SERVED_FIRST: readonly MessagePriority[] = [
  MessagePriority.HIGH,
  MessagePriority.NORMAL,
  MessagePriority.LOW,
];
