// #region worker
import Redis from 'ioredis';
import {
  AgentWorker,
  MessageType,
  PermanentMessageError,
  RedisMessageCoordinator,
} from 'tta-agent-coordination';

const coordinator = new RedisMessageCoordinator(new Redis(), { keyPrefix: 'ao' });
const worker = new AgentWorker(
  coordinator,
  { agent: { type: 'worker' }, concurrency: 4, visibilityTimeoutMs: 30_000 },
  (payload) => {
    if (typeof payload.task !== 'string') throw new PermanentMessageError('task is missing');
    return { indexed: payload.task }; // acks; a REQUEST gets this back as its RESPONSE
  },
);
worker.start();
await coordinator.sendMessage(
  { type: 'planner' },
  { type: 'worker' },
  { messageType: MessageType.EVENT, payload: { task: 'index' } },
);
// On shutdown: stop receiving, let running handlers finish (up to shutdownTimeoutMs).
await worker.close();
// #endregion
