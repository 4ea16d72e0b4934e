import { ConfigurationError } from '../errors';
import { silentLogger, type CoordinationLogger } from '../common/logger';
import { DEFAULT_KEY_PREFIX } from '../common/key-layout';
import {
  assertInteger,
  assertKeyPrefix,
  assertNumber,
  describeValue,
  optionsObject,
} from '../common/validate';
import {
  DEFAULT_MATCH_WEIGHTS,
  MatchingStrategy,
  type MatchWeights,
} from './models/discovery.models';

/**
 * Options of {@link RedisAgentRegistry}.
 *
 * @public
 */
export interface RedisAgentRegistryOptions {
  /** Prefix of every key. Default `ao`. */
  keyPrefix?: string;
  /** An agent whose last beat is older than this is not alive. Default 30 000 ms. */
  heartbeatTtlMs?: number;
  /**
   * Time between beats. Default a third of the TTL, at least 1 000 ms (a TTL under 2 000 ms
   * therefore needs an explicit interval). An explicit value is honoured; it must be below
   * the TTL.
   */
  heartbeatIntervalMs?: number;
  /** How long a lapsed agent's record stays readable (`alive: false`). Default: the TTL. */
  retainExpiredMs?: number;
  /** Start the heartbeat loop on `register`. Default true. */
  autoHeartbeat?: boolean;
  /** Strategy of `discoverCapabilities` when the request names none. Default `weighted`. */
  matchingStrategy?: MatchingStrategy | `${MatchingStrategy}`;
  /** Weights of the `weighted` strategy. */
  matchWeights?: Partial<MatchWeights>;
  /** Status fields stored but not compared for `status_changed` (counters, uptime). Default `['metrics']`. */
  volatileStatusFields?: string[];
  /** Lapsed agents claimed per sweep script call. Default 100. */
  expirySweepBatch?: number;
  /** Subscribe to registry events (opens one duplicated connection). Default true. */
  subscribeEvents?: boolean;
  /** Largest status, state or capability set once serialised. Default 1 MiB. */
  maxRecordBytes?: number;
  /**
   * Hears about failures off any caller's path (at warn, unless `onError` is given) and
   * about the event subscription's connection (once per state). Default {@link silentLogger}.
   */
  logger?: CoordinationLogger;
  /**
   * Receives failures that happen off any caller's path: heartbeats, sweeps, the event
   * subscription. Default: a warning to `logger`, with the error's stack.
   */
  onError?: (error: Error, context: string) => void;
}

/** {@link RedisAgentRegistryOptions} with every default filled in. */
export interface ResolvedRegistryOptions {
  /** Prefix of every key. See {@link RedisAgentRegistryOptions.keyPrefix}. */
  keyPrefix: string;
  /** Milliseconds. See {@link RedisAgentRegistryOptions.heartbeatTtlMs}. */
  heartbeatTtlMs: number;
  /** Milliseconds, below the TTL. See {@link RedisAgentRegistryOptions.heartbeatIntervalMs}. */
  heartbeatIntervalMs: number;
  /** Milliseconds. See {@link RedisAgentRegistryOptions.retainExpiredMs}. */
  retainExpiredMs: number;
  /** See {@link RedisAgentRegistryOptions.autoHeartbeat}. */
  autoHeartbeat: boolean;
  /** See {@link RedisAgentRegistryOptions.matchingStrategy}. */
  matchingStrategy: MatchingStrategy;
  /** The given weights over {@link DEFAULT_MATCH_WEIGHTS}, each 0–1. */
  matchWeights: MatchWeights;
  /** See {@link RedisAgentRegistryOptions.volatileStatusFields}. */
  volatileStatusFields: ReadonlySet<string>;
  /** 1–10 000. See {@link RedisAgentRegistryOptions.expirySweepBatch}. */
  expirySweepBatch: number;
  /** See {@link RedisAgentRegistryOptions.subscribeEvents}. */
  subscribeEvents: boolean;
  /** Bytes, at least 1 024. See {@link RedisAgentRegistryOptions.maxRecordBytes}. */
  maxRecordBytes: number;
  /** See {@link RedisAgentRegistryOptions.logger}. */
  logger: CoordinationLogger;
  /** See {@link RedisAgentRegistryOptions.onError}. */
  onError: (error: Error, context: string) => void;
}

/**
 * Default heartbeat TTL (SPEC §3).
 *
 * @public
 */
export const DEFAULT_HEARTBEAT_TTL_MS = 30_000;
/** Lower bound of a defaulted heartbeat interval. */
export const MIN_DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

function defaultInterval(ttl: number): number {
  const interval = Math.max(MIN_DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(ttl / 3));
  if (interval * 2 > ttl) {
    throw new ConfigurationError(
      'heartbeatIntervalMs',
      'required',
      `must be given for heartbeatTtlMs ${ttl}: the default of ${interval} ms would let agents lapse between beats`,
    );
  }
  return interval;
}

/**
 * Validates options and fills in defaults.
 *
 * @throws ConfigurationError naming the option
 */
export function resolveRegistryOptions(
  options: RedisAgentRegistryOptions = {},
): ResolvedRegistryOptions {
  const given = optionsObject(options, 'options');
  const ttl = assertInteger(given.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS, 'heartbeatTtlMs', 10);
  const interval =
    given.heartbeatIntervalMs === undefined
      ? defaultInterval(ttl)
      : assertInteger(given.heartbeatIntervalMs, 'heartbeatIntervalMs', 1, ttl - 1);
  const logger = given.logger ?? silentLogger;
  const strategy = given.matchingStrategy ?? MatchingStrategy.WEIGHTED;
  if (!Object.values<string>(MatchingStrategy).includes(strategy)) {
    throw new ConfigurationError(
      'matchingStrategy',
      'isEnum',
      `unknown strategy ${typeof strategy === 'string' ? strategy : describeValue(strategy)}`,
    );
  }
  const weights = {
    ...DEFAULT_MATCH_WEIGHTS,
    ...optionsObject(given.matchWeights, 'matchWeights'),
  };
  for (const [key, value] of Object.entries(weights)) {
    assertNumber(value, `matchWeights.${key}`, 0, 1);
  }
  return {
    keyPrefix: assertKeyPrefix(given.keyPrefix ?? DEFAULT_KEY_PREFIX),
    heartbeatTtlMs: ttl,
    heartbeatIntervalMs: interval,
    retainExpiredMs: assertInteger(given.retainExpiredMs ?? ttl, 'retainExpiredMs', 0),
    autoHeartbeat: given.autoHeartbeat ?? true,
    matchingStrategy: strategy as MatchingStrategy,
    matchWeights: weights,
    volatileStatusFields: new Set(given.volatileStatusFields ?? ['metrics']),
    expirySweepBatch: assertInteger(given.expirySweepBatch ?? 100, 'expirySweepBatch', 1, 10_000),
    subscribeEvents: given.subscribeEvents ?? true,
    maxRecordBytes: assertInteger(given.maxRecordBytes ?? 1024 * 1024, 'maxRecordBytes', 1024),
    logger,
    onError:
      given.onError ??
      ((error, context) => logger.warn(`agent registry ${context}: ${error.message}`, error)),
  };
}
