import { REDIS_START_TIMEOUT_MS } from './deadlines';
import { redisCli } from './redis-cli';
import { startRedisServer, type RedisServer } from './redis-server';
import { waitFor } from './wait-for';

/** A private three-master Redis Cluster on 127.0.0.1. */
export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>`. */
  readonly url: string;
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** Stops every node and removes their temp dirs. */
  stop(): Promise<void>;
}

const MASTERS = 3;

/**
 * Starts three cluster-enabled redis-servers (no persistence, no replicas), joins them with
 * `redis-cli --cluster create` (REDIS_CLI_BIN or `redis-cli`), and resolves once every node reports
 * `cluster_state:ok` (REDIS_START_TIMEOUT_MS, 30 s). On failure every node started so far is stopped.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const results = await Promise.allSettled(
    Array.from({ length: MASTERS }, () => startRedisServer({ cluster: true })),
  );
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await redisCli(['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await Promise.all(servers.map(isClusterOk))).every(Boolean), {
      timeoutMs: REDIS_START_TIMEOUT_MS,
      intervalMs: 50,
      message: 'Redis Cluster did not reach cluster_state:ok on every node',
    });
    return {
      url: `redis+cluster://${addresses.join(',')}`,
      nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function isClusterOk(server: RedisServer): Promise<boolean> {
  const info = await redisCli(['-h', '127.0.0.1', '-p', String(server.port), 'cluster', 'info']);
  return info.includes('cluster_state:ok');
}
