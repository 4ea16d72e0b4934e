import Redis from 'ioredis';

declare const type: string;
declare const instance: string;
const redis = new Redis();

// #region drain
import {
  RedisMessageCoordinator,
  type MessagePriority,
  type MessageType,
} from 'tta-agent-coordination';

/** A message as the Python layer stored it in its `sched` sorted sets. */
interface PythonMessage {
  message_id: string;
  message_type: `${MessageType}`;
  sender: { type: string; instance?: string };
  payload: Record<string, unknown>;
  priority: MessagePriority;
}

const coordinator = new RedisMessageCoordinator(redis, { keyPrefix: 'ao' });
for (const n of [9, 5, 1]) {
  for (const raw of await redis.zrange(`ao:sched:${type}:${instance}:prio:${n}`, 0, -1)) {
    const { message } = JSON.parse(raw) as { message: PythonMessage };
    await coordinator.sendMessage(
      { type: message.sender.type, instance: message.sender.instance ?? 'default' },
      { type, instance },
      {
        messageId: message.message_id,
        messageType: message.message_type as MessageType,
        payload: message.payload,
        priority: message.priority,
      },
    );
  }
}
// #endregion
