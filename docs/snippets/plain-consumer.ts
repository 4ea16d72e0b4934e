import Redis from 'ioredis';
import { RedisMessageCoordinator } from 'tta-agent-coordination';

const coordinator = new RedisMessageCoordinator(new Redis(), { keyPrefix: 'ao' });

// #region consumer
const delivery = await coordinator.receive({ type: 'worker' }, 30_000, { waitMs: 5_000 });
if (delivery) await coordinator.ack({ type: 'worker' }, delivery.token);
// nack says what it did: 'retried', 'dead-lettered', or false for a stale token.

// A consumer of quick messages can take them ten at a time: one round trip per batch.
let batch = await coordinator.receiveMany({ type: 'worker' }, 10, 30_000, { waitMs: 5_000 });
while (batch.length > 0) {
  for (const { queueMessage } of batch) console.log(queueMessage.message.payload);
  const tokens = batch.map((d) => d.token);
  ({ next: batch } = await coordinator.ackAndReceiveMany({ type: 'worker' }, tokens, 10, 30_000));
}
// #endregion
