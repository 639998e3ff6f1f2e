import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from './redact';
import type { RedisClient } from './scripts';

/** Options for `createRedis`. */
export interface ConnectionOptions {
  /**
   * How long a command may wait for a reply, ms, including while Redis is unreachable (commands wait
   * for a reconnect until then). Default 5000. The API uses it to answer 503 instead of hanging.
   */
  commandTimeoutMs?: number;
  /** Name shown by CLIENT LIST, for operators. */
  connectionName?: string;
}

/**
 * Connects to Redis from a URL:
 * - `redis://[:password@]host:port[/db]` and `rediss://…` (TLS)
 * - `redis+sentinel://[:password@]host1:26379,host2:26379/<master name>[/db]`
 * - `redis+cluster://host1:7000,host2:7001` (and `rediss+cluster://`)
 */
export function createRedis(url: string, options: ConnectionOptions = {}): RedisClient {
  const parsed = parseRedisUrl(url);
  const base: RedisOptions = {
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    // Commands survive a reconnect and are bounded by commandTimeout alone. A resent enqueue is
    // harmless: task ids are made by the client and the script skips an id it already stored.
    // A resent claim leases nothing once its caller's timeout has passed (its deadline, ADR 0006).
    maxRetriesPerRequest: null,
    // Reconnect forever with a capped backoff: a Redis restart must never need a process restart.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    password: parsed.password,
    username: parsed.username,
    db: parsed.db,
    tls: parsed.tls ? {} : undefined,
  };
  switch (parsed.kind) {
    case 'single':
      return new Redis({ ...base, host: parsed.hosts[0]!.host, port: parsed.hosts[0]!.port });
    case 'sentinel':
      return new Redis({ ...base, sentinels: parsed.hosts, name: parsed.masterName });
    case 'cluster':
      return new Cluster(parsed.hosts, {
        redisOptions: { ...base, db: undefined },
        clusterRetryStrategy: base.retryStrategy,
      });
  }
}

/**
 * Closes a connection without ever waiting on a dead one: QUIT (which lets replies already on their way
 * arrive) only while the connection is ready and for at most `timeoutMs` (default 1000); otherwise, or
 * when QUIT fails or takes longer, drops the socket. Never throws.
 */
export async function closeRedis(redis: RedisClient, timeoutMs = 1000): Promise<void> {
  if (redis.status === 'ready' && timeoutMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    const quit = redis.quit().then(
      () => true,
      () => false,
    );
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const quitted = await Promise.race([quit, late]);
    clearTimeout(timer);
    if (quitted) return;
  }
  redis.disconnect();
}

interface ParsedUrl {
  kind: 'single' | 'sentinel' | 'cluster';
  hosts: { host: string; port: number }[];
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
  masterName?: string;
}

/** Parses a Redis URL of one of the forms `createRedis` accepts; throws a message naming the problem. */
export function parseRedisUrl(url: string): ParsedUrl {
  // A user or password with a raw "/", "?", "#" or "@" would otherwise be split into the host list or
  // the path, and the errors below, which quote those, would show part of the secret. Everything between
  // the scheme and the last "@" is the userinfo, as redactUrl treats it: refuse such a one by name only.
  const authority = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  const at = url.lastIndexOf('@');
  if (authority && at > authority[0].length && /[/?#@]/.test(url.slice(authority[0].length, at))) {
    throw new Error(
      'REDIS_URL user or password holds a raw "/", "?", "#" or "@": percent-encode them (%2F, %3F, %23, %40)',
    );
  }
  const match =
    /^(redis|rediss|redis\+sentinel|rediss\+sentinel|redis\+cluster|rediss\+cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(?:\/([^?#]*))?$/.exec(
      url,
    );
  if (!match) {
    throw new Error(
      `REDIS_URL ${JSON.stringify(redactUrl(url))} is not a Redis URL: use redis://host:6379, rediss://host:6380, ` +
        'redis+sentinel://host:26379,host2:26379/mymaster or redis+cluster://host:7000,host2:7001',
    );
  }
  const [, scheme = '', user, pass, hostList = '', path = ''] = match;
  const defaultPort = scheme.includes('sentinel') ? 26379 : 6379;
  const hosts = hostList.split(',').map((h) => {
    const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(h);
    if (!hostMatch) throw new Error(`REDIS_URL host ${JSON.stringify(redactUrl(h))} is not host[:port]`);
    return {
      host: hostMatch[1]!.replace(/^\[|\]$/g, ''),
      port: hostMatch[2] ? Number(hostMatch[2]) : defaultPort,
    };
  });
  const kind = scheme.includes('sentinel') ? 'sentinel' : scheme.includes('cluster') ? 'cluster' : 'single';
  const segments = path.split('/').filter(Boolean);
  const masterName = kind === 'sentinel' ? segments.shift() : undefined;
  if (kind === 'sentinel' && !masterName) {
    throw new Error('REDIS_URL for Sentinel needs the master name: redis+sentinel://host:26379/mymaster');
  }
  const db = segments[0] !== undefined ? Number(segments[0]) : undefined;
  if (db !== undefined && !Number.isInteger(db))
    throw new Error(`REDIS_URL database ${segments[0]} is not a number`);
  return {
    kind,
    hosts,
    tls: scheme.startsWith('rediss'),
    username: user ? decodeUserinfo(user, 'user') : undefined,
    password: pass !== undefined ? decodeUserinfo(pass, 'password') : undefined,
    db,
    masterName,
  };
}

/** A percent-encoded user or password of REDIS_URL, decoded; the error never repeats it. */
function decodeUserinfo(part: string, what: 'user' | 'password'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error(
      `REDIS_URL ${what} is not valid percent-encoding: write a "%" in it as %25 (and "@", ":", "/" as %40, %3A, %2F)`,
    );
  }
}

/** One Redis server connection: a single server, Sentinel's current master, or one node of a Cluster. */
export type RedisNode = Redis;

/**
 * The masters `redis` writes to: the one server (Sentinel's current master), or every master a Cluster
 * client knows (none before it first connected).
 */
export function redisMasters(redis: RedisClient): RedisNode[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Whether `redis` is a Cluster client (not a single node's). */
export function isCluster(redis: RedisClient): redis is Cluster {
  return 'nodes' in redis && typeof redis.nodes === 'function' && redis.isCluster === true;
}
