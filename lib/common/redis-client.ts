import type { Cluster, Redis } from 'ioredis';

/**
 * A connection the package can use: a single-node `Redis` or a `Cluster`.
 *
 * @public
 */
export type RedisClient = Redis | Cluster;
