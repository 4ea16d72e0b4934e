import { EventEmitter } from 'node:events';
import { silentLogger } from '../../../lib';
import {
  ConnectionMonitor,
  connectionMonitor,
  duplicateWatched,
} from '../../../lib/common/connection-monitor';
import { describeRedisAddress } from '../../../lib/common/redis-address';
import type { RedisClient } from '../../../lib/common/redis-client';
import { RecordingLogger } from '../../support/logger';

/** An ioredis-like connection: events, options, and duplicates of itself. */
class FakeConnection extends EventEmitter {
  readonly duplicates: FakeConnection[] = [];
  constructor(readonly options: Record<string, unknown> = { host: 'redis.test', port: 6380 }) {
    super();
  }
  duplicate(): FakeConnection {
    const copy = new FakeConnection(this.options);
    this.duplicates.push(copy);
    return copy;
  }
}
const asClient = (connection: unknown) => connection as RedisClient;

describe('ConnectionMonitor', () => {
  it('logs one line when Redis stops answering and one when it answers again, per outage', () => {
    const logger = new RecordingLogger();
    const monitor = new ConnectionMonitor(logger, 'redis.test:6380');
    const connection = new FakeConnection();
    monitor.watch(asClient(connection));
    connection.emit('ready');
    for (let i = 0; i < 5; i++) connection.emit('error', new Error(`refused ${i}`));
    connection.emit('ready');
    connection.emit('ready');
    connection.emit('error', new Error('refused again'));
    expect(logger.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'warn waiting for Redis at redis.test:6380: refused 0',
      'log Redis connection restored (redis.test:6380)',
      'warn waiting for Redis at redis.test:6380: refused again',
    ]);
  });

  it('stops listening when told to', () => {
    const connection = new FakeConnection();
    const unwatch = new ConnectionMonitor(silentLogger, 'x').watch(asClient(connection));
    expect(connection.listenerCount('error')).toBe(1);
    unwatch();
    expect(connection.listenerCount('error')).toBe(0);
    expect(connection.listenerCount('ready')).toBe(0);
  });

  it('is shared by a client and its duplicates per logger, so an outage is one line', () => {
    const logger = new RecordingLogger();
    const root = new FakeConnection();
    const other = new RecordingLogger();
    expect(connectionMonitor(asClient(root), logger)).toBe(
      connectionMonitor(asClient(root), logger),
    );
    expect(connectionMonitor(asClient(root), other)).not.toBe(
      connectionMonitor(asClient(root), logger),
    );
    connectionMonitor(asClient(root), logger).watch(asClient(root));
    const first = duplicateWatched(asClient(root), logger) as unknown as FakeConnection;
    const second = duplicateWatched(asClient(root), logger) as unknown as FakeConnection;
    expect(root.duplicates).toEqual([first, second]);
    for (const connection of [root, first, second]) connection.emit('error', new Error('down'));
    expect(logger.matching(/waiting for Redis/)).toEqual([
      'waiting for Redis at redis.test:6380: down',
    ]);
    expect(other.lines).toEqual([]);
  });
});

describe('describeRedisAddress', () => {
  const address = (client: unknown) => describeRedisAddress(asClient(client));

  it('names host and port or the socket path, never a password', () => {
    expect(address({ options: { host: 'h', port: 7000, password: 'secret' } })).toBe('h:7000');
    expect(address({ options: { path: '/tmp/redis.sock' } })).toBe('/tmp/redis.sock');
    expect(address({ options: {} })).toBe('localhost:6379');
    expect(address({})).toBe('localhost:6379');
  });

  it('lists the start-up nodes of a cluster in every form ioredis accepts', () => {
    const cluster = {
      isCluster: true,
      startupNodes: [
        7000,
        { host: 'a', port: 7001 },
        {},
        'b:7002',
        'redis://user:secret@c:7003',
        'redis://d',
        'redis://[broken',
      ],
    };
    expect(address(cluster)).toBe(
      'cluster localhost:7000, a:7001, localhost:6379, b:7002, c:7003, d:6379, an unparsable address',
    );
    expect(address({ isCluster: true })).toBe('cluster ');
  });
});
