import Redis from 'ioredis';
import {
  AgentWorker,
  MessageType,
  RedisMessageCoordinator,
  TopicHandlerSet,
} from 'tta-agent-coordination';

const coordinator = new RedisMessageCoordinator(new Redis(), { keyPrefix: 'ao' });

// #region topic-handlers
const handlers = new TopicHandlerSet()
  .on('orders.create', (order) => ({ accepted: order.sku }))
  .on('orders.*', (event, ctx) => console.log(ctx.message.routing?.topic, event), {
    types: MessageType.EVENT,
    timeoutMs: 10_000,
  })
  .fallback((payload) => console.log('other', payload));
new AgentWorker(coordinator, { agent: { type: 'orders' } }, handlers).start();
// #endregion
