/**
 * One consumer process of the many-processes figure (forked by processes.scenario.ts, from the
 * transpiled tree): one consumer of concurrency 1 on its own connections, or the ceiling's
 * stand-in for one. Driven by messages from the parent; see {@link ConsumerCommand}.
 */
import type Redis from 'ioredis';
import { connect } from '../redis-env';
import { nowMs } from '../stats';
import type { Consumer } from '../systems/bench-queue';
import { bullmqSystem } from '../systems/bullmq.system';
import { coordinatorSystem } from '../systems/coordinator.system';
import type { ConsumerCommand, ConsumerReply } from './processes.scenario';

const SYSTEMS = { coordinator: coordinatorSystem, bullmq: bullmqSystem };

let handled = 0;
let lastAt = 0;
let consumer: Consumer | undefined;
let closeQueue: (() => Promise<void>) | undefined;

function reply(message: ConsumerReply): void {
  process.send!(message);
}

/** Awaited calls of the trivial script, one per message of this process's share. */
async function ceiling(redisUrl: string, sha: string, args: (string | number)[], quota: number) {
  const redis: Redis = connect(redisUrl);
  try {
    for (let i = 0; i < quota; i++) await redis.evalsha(sha, ...(args as [number]));
    return nowMs();
  } finally {
    await redis.quit();
  }
}

async function handle(command: ConsumerCommand): Promise<void> {
  switch (command.type) {
    case 'start': {
      handled = 0;
      lastAt = 0;
      const queue = await SYSTEMS[command.system].open(command.redisUrl, command.prefix);
      closeQueue = () => queue.close();
      consumer = await queue.consume(1, () => {
        handled += 1;
        lastAt = nowMs();
      });
      reply({ type: 'started' });
      return;
    }
    case 'report':
      reply({ type: 'report', handled, lastAt });
      return;
    case 'stop':
      await consumer?.stop();
      await closeQueue?.();
      consumer = undefined;
      closeQueue = undefined;
      reply({ type: 'stopped' });
      return;
    case 'ceiling':
      reply({
        type: 'ceiling-done',
        lastAt: await ceiling(command.redisUrl, command.sha, command.args, command.quota),
      });
      return;
    case 'exit':
      process.exit(0);
  }
}

process.on('message', (command: ConsumerCommand) => {
  handle(command).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
reply({ type: 'ready' });
