import Redis from 'ioredis';
import { Counter } from 'prom-client';
import {
  AgentWorker,
  RedisMessageCoordinator,
  createTracingInstrumentation,
  type AgentMessageHandler,
  type MessageHandledEvent,
} from 'tta-agent-coordination';

const redis = new Redis();
const sent = new Counter({ name: 'sent_total', help: 'messages sent', labelNames: ['ok'] });
declare function count(event: MessageHandledEvent): void;
declare const handler: AgentMessageHandler;

// #region instrumentation
const tracing = createTracingInstrumentation();
const coordinator = new RedisMessageCoordinator(redis, {
  instrumentation: {
    ...tracing?.coordinator,
    sent: (e) => sent.inc({ ok: `${e.result.delivered}` }),
  },
});
const worker = new AgentWorker(
  coordinator,
  { agent: { type: 'worker' }, instrumentation: { ...tracing?.worker, handled: (e) => count(e) } },
  handler,
);
// #endregion
worker.start();
