/** A tiny JSON payload, the same for every system. */
export type Payload = Record<string, number>;

/** A running consumer of one bench queue. */
export interface Consumer {
  /** Stops taking messages and releases the consumer's connections. */
  stop(): Promise<void>;
}

/** One queue of one system under test, opened under a fresh key prefix. */
export interface BenchQueue {
  /** Enqueues one message and waits for Redis to take it. */
  send(payload: Payload): Promise<void>;
  /** Enqueues several at once: concurrent sends, or the system's bulk call. */
  sendBatch(payloads: Payload[]): Promise<void>;
  /** Starts `concurrency` consumers that call `handler` then acknowledge. */
  consume(concurrency: number, handler: (payload: Payload) => void): Promise<Consumer>;
  /** Closes the producer side. */
  close(): Promise<void>;
}

/** A system under test. */
export interface QueueSystem {
  /** Short name used in tables and child-process arguments. */
  readonly name: string;
  /** Opens a queue whose keys all start with `prefix`. */
  open(redisUrl: string, prefix: string): Promise<BenchQueue>;
}
