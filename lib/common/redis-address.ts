import type { RedisClient } from './redis-client';

type Endpoint = string | number | { host?: string; port?: number | string };

function endpoint(node: Endpoint): string {
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node === 'object') return `${node.host ?? 'localhost'}:${node.port ?? 6379}`;
  try {
    // Only host and port are kept: a URL may carry a password.
    const url = new URL(node.includes('://') ? node : `redis://${node}`);
    return `${url.hostname}:${url.port || 6379}`;
  } catch {
    return 'an unparsable address';
  }
}

/**
 * Where a client connects, for log lines and errors: `host:port`, a socket path, or the
 * cluster's start-up nodes. Never includes a user name or password.
 */
export function describeRedisAddress(client: RedisClient): string {
  const seen = client as unknown as {
    isCluster?: boolean;
    startupNodes?: Endpoint[];
    options?: { host?: string; port?: number; path?: string };
  };
  if (seen.isCluster === true) {
    return `cluster ${(seen.startupNodes ?? []).map(endpoint).join(', ')}`;
  }
  const options = seen.options ?? {};
  return options.path ?? endpoint({ host: options.host, port: options.port });
}
