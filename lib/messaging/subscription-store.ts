import { randomUUID } from 'node:crypto';
import type { KeyLayout } from '../common/key-layout';
import type { RedisClient } from '../common/redis-client';
import { RedisOperationError, ValidationError } from '../errors';
import { formatAgentId, parseAgentId, type ResolvedAgentId } from '../common/agent-id';
import { MessageType } from './models/message.enums';
import type { MessageSubscription } from './models/queue-message';

const MESSAGE_TYPES = new Set<string>(Object.values(MessageType));
const SUBSCRIPTION_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Subscriptions of agents to message types, kept in Redis so every process publishes to the
 * same audience: a hash `subscriptionId → type/instance|type,type` and one set of
 * subscription ids per message type.
 */
export class SubscriptionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyLayout,
  ) {}

  /** Records a subscription of `agent` to `types`. */
  async add(agent: ResolvedAgentId, types: MessageType[]): Promise<MessageSubscription> {
    if (!Array.isArray(types) || types.length === 0) {
      throw new ValidationError('types', 'arrayNotEmpty', 'must name at least one message type');
    }
    types.forEach((type, index) => {
      if (!MESSAGE_TYPES.has(type)) {
        throw new ValidationError(
          `types[${index}]`,
          'isEnum',
          `must be one of ${[...MESSAGE_TYPES].join(', ')}`,
        );
      }
    });
    const messageTypes = [...new Set(types)];
    const subscriptionId = randomUUID();
    try {
      await this.redis.hset(
        this.keys.subscriptions,
        subscriptionId,
        `${formatAgentId(agent)}|${messageTypes.join(',')}`,
      );
      await Promise.all(
        messageTypes.map((type) => this.redis.sadd(this.keys.subscribers(type), subscriptionId)),
      );
    } catch (error) {
      throw new RedisOperationError('subscribeToMessages', error);
    }
    return { subscriptionId, agentId: agent, messageTypes };
  }

  /** Removes a subscription; `false` when it did not exist. */
  async remove(subscriptionId: string): Promise<boolean> {
    if (typeof subscriptionId !== 'string' || !SUBSCRIPTION_ID.test(subscriptionId)) {
      throw new ValidationError('subscriptionId', 'matches', 'is not a subscription id');
    }
    try {
      const record = await this.redis.hget(this.keys.subscriptions, subscriptionId);
      if (record === null) return false;
      const types = record.split('|')[1]?.split(',') ?? [];
      await Promise.all(
        types.map((type) => this.redis.srem(this.keys.subscribers(type), subscriptionId)),
      );
      return (await this.redis.hdel(this.keys.subscriptions, subscriptionId)) === 1;
    } catch (error) {
      throw new RedisOperationError('unsubscribe', error);
    }
  }

  /** Agents subscribed to `type`, each once, in a stable order. */
  async subscribers(type: MessageType): Promise<ResolvedAgentId[]> {
    if (!MESSAGE_TYPES.has(type)) {
      throw new ValidationError(
        'message.messageType',
        'isEnum',
        `must be one of ${[...MESSAGE_TYPES].join(', ')}`,
      );
    }
    try {
      const ids = await this.redis.smembers(this.keys.subscribers(type));
      if (ids.length === 0) return [];
      const records = await this.redis.hmget(this.keys.subscriptions, ...ids);
      const agents = new Set(
        records.filter((r): r is string => r !== null).map((r) => r.split('|')[0]),
      );
      return [...agents]
        .sort()
        .map((text) => parseAgentId(text))
        .filter((id): id is ResolvedAgentId => id !== null);
    } catch (error) {
      throw new RedisOperationError('publish', error);
    }
  }
}
