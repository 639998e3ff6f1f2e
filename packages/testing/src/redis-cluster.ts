import { REDIS_START_TIMEOUT_MS } from './deadlines';
import { redisCli } from './redis-cli';
import { startRedisServer, type RedisServer } from './redis-server';
import { waitFor } from './wait-for';

/** Options for {@link startRedisCluster}. The default is three masters, no replicas, no persistence. */
export interface RedisClusterOptions {
  /** Replicas per master (0 or 1; default 0). With 1, each master has one replica to fail over to. */
  replicas?: 0 | 1;
  /** Append-only file on every node; default false. */
  appendonly?: boolean;
  /** AOF fsync policy; default: the server's own (everysec). */
  appendfsync?: 'always' | 'everysec';
  /** `cluster-node-timeout`, ms: a master silent this long is failed over to its replica. Default 5000. */
  nodeTimeoutMs?: number;
}

/** One node of a {@link RedisCluster} as it was started. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
  /** Its CLUSTER MYID. */
  readonly id: string;
  /** The node id of the master it replicates at start, or undefined for a master. */
  readonly replicaOf: string | undefined;
  /** The redis-server, to kill or restart it. */
  readonly server: RedisServer;
}

/** A private Redis Cluster on 127.0.0.1: three masters, and a replica for each when asked. */
export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>` (the masters at start). */
  readonly url: string;
  /** The masters at start. */
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** Every node at start, masters first. */
  readonly servers: ReadonlyArray<ClusterNode>;
  /**
   * The current master of `slot` as the first node that answers CLUSTER SHARDS sees it (a node killed
   * or failed is skipped), or undefined when no healthy master serves it.
   */
  masterOf(slot: number): Promise<ClusterNode | undefined>;
  /** Stops every node and removes their temp dirs. */
  stop(): Promise<void>;
}

const MASTERS = 3;

/**
 * Starts three cluster-enabled redis-servers, plus one replica per master when `replicas` is 1, joins them
 * with `redis-cli --cluster create` (REDIS_CLI_BIN or `redis-cli`), and resolves once every node reports
 * `cluster_state:ok` and every replica's link to its master is up (REDIS_START_TIMEOUT_MS, 30 s). On
 * failure every node started so far is stopped.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { replicas = 0, appendonly = false, appendfsync, nodeTimeoutMs } = options;
  const results = await Promise.allSettled(
    Array.from({ length: MASTERS * (1 + replicas) }, () =>
      startRedisServer({ cluster: true, appendonly, appendfsync, clusterNodeTimeoutMs: nodeTimeoutMs }),
    ),
  );
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    // redis-cli makes the first MASTERS addresses masters and gives each one of the others.
    await redisCli(
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      { timeoutMs: 30_000 },
    );
    await waitFor(async () => (await Promise.all(servers.map(isReady))).every(Boolean), {
      timeoutMs: REDIS_START_TIMEOUT_MS,
      intervalMs: 50,
      message: 'Redis Cluster did not reach cluster_state:ok with every replica in sync',
    });
    const nodes = await Promise.all(servers.map(describeNode));
    nodes.sort((a, b) => Number(a.replicaOf !== undefined) - Number(b.replicaOf !== undefined));
    const masters = nodes.filter((n) => n.replicaOf === undefined);
    return {
      url: `redis+cluster://${masters.map((n) => `${n.host}:${n.port}`).join(',')}`,
      nodes: masters.map((n) => ({ host: n.host, port: n.port })),
      servers: nodes,
      masterOf: (slot) => masterOf(nodes, slot),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function isReady(server: RedisServer): Promise<boolean> {
  const info = await cli(server.port, 'cluster', 'info');
  if (!info.includes('cluster_state:ok')) return false;
  const replication = await cli(server.port, 'info', 'replication');
  return !replication.includes('role:slave') || replication.includes('master_link_status:up');
}

async function describeNode(server: RedisServer): Promise<ClusterNode> {
  const id = (await cli(server.port, 'cluster', 'myid')).trim();
  const myself = (await cli(server.port, 'cluster', 'nodes')).split('\n').find((l) => l.startsWith(id));
  const [, , flags = '', master = '-'] = myself?.split(' ') ?? [];
  return {
    host: '127.0.0.1',
    port: server.port,
    id,
    replicaOf: flags.includes('slave') ? master : undefined,
    server,
  };
}

/** CLUSTER NODES of the first node that answers: `<id> <addr> <flags> <master> … <slot ranges>`. */
async function masterOf(nodes: ClusterNode[], slot: number): Promise<ClusterNode | undefined> {
  for (const node of nodes) {
    const view = await cli(node.port, 'cluster', 'nodes').catch(() => undefined);
    if (view === undefined) continue;
    for (const line of view.split('\n')) {
      const [id, , flags = '', , , , , , ...ranges] = line.split(' ');
      if (!flags.includes('master') || flags.includes('fail')) continue;
      const serves = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return from !== undefined && to !== undefined && slot >= from && slot <= to;
      });
      if (serves) return nodes.find((n) => n.id === id);
    }
    return undefined;
  }
  return undefined;
}

function cli(port: number, ...args: string[]): Promise<string> {
  return redisCli(['-h', '127.0.0.1', '-p', String(port), ...args]);
}
