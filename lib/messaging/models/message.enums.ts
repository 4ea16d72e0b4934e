/** What a message is for. */
export enum MessageType {
  REQUEST = 'request',
  RESPONSE = 'response',
  EVENT = 'event',
}

/** Delivery priority: higher is served first; FIFO within one priority. */
export enum MessagePriority {
  LOW = 1,
  NORMAL = 5,
  HIGH = 9,
}

/** How a failed delivery is treated by `nack`. Plain strings are accepted too. */
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
