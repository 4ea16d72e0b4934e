import { Queue, Worker } from 'bullmq';
import { connect } from '../redis-env';
import type { BenchQueue, Consumer, Payload, QueueSystem } from './bench-queue';

const QUEUE_NAME = 'q';
const JOB_NAME = 'm';

class BullQueue implements BenchQueue {
  private readonly connection;
  private readonly queue;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {
    this.connection = connect(redisUrl);
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix });
  }

  async send(payload: Payload): Promise<void> {
    await this.queue.add(JOB_NAME, payload);
  }

  async sendBatch(payloads: Payload[]): Promise<void> {
    await this.queue.addBulk(payloads.map((data) => ({ name: JOB_NAME, data })));
  }

  async consume(concurrency: number, handler: (payload: Payload) => void): Promise<Consumer> {
    const connection = connect(this.redisUrl);
    const worker = new Worker<Payload>(
      QUEUE_NAME,
      (job) => {
        handler(job.data);
        return Promise.resolve();
      },
      // Completed jobs are removed, as an acknowledged message is.
      { connection, prefix: this.prefix, concurrency, removeOnComplete: { count: 0 } },
    );
    await worker.waitUntilReady();
    return {
      async stop() {
        await worker.close();
        await connection.quit();
      },
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit();
  }
}

/** BullMQ 5: `Queue.add` / `addBulk` and a `Worker`. */
export const bullmqSystem: QueueSystem = {
  name: 'bullmq',
  open(redisUrl, prefix) {
    return Promise.resolve(new BullQueue(redisUrl, prefix));
  },
};
