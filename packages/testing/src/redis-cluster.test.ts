import { redisCli } from './redis-cli';
import { startRedisCluster } from './redis-cluster';

describe('startRedisCluster', () => {
  it('starts three masters that serve keys and report cluster_state:ok, and stops them all', async () => {
    const cluster = await startRedisCluster();
    const [first] = cluster.nodes;
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(cluster.url).toBe(
        `redis+cluster://${cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
      );
      const cli = (...args: string[]) =>
        redisCli(['-c', '-h', '127.0.0.1', '-p', String(first!.port), ...args]);

      expect((await cli('set', '{a}x', '1')).trim()).toBe('OK');
      expect((await cli('get', '{a}x')).trim()).toBe('1');
      expect(await cli('cluster', 'info')).toContain('cluster_state:ok');
    } finally {
      await cluster.stop();
    }
    for (const node of cluster.nodes) {
      await expect(redisCli(['-h', node.host, '-p', String(node.port), 'ping'])).rejects.toThrow();
    }
  });

  it('starts a replica per master with AOF and the node timeout asked for, and names the master of each slot', async () => {
    const cluster = await startRedisCluster({ replicas: 1, appendonly: true, nodeTimeoutMs: 1000 });
    try {
      const masters = cluster.servers.filter((n) => n.replicaOf === undefined);
      const replicas = cluster.servers.filter((n) => n.replicaOf !== undefined);
      expect(masters.map((n) => n.port)).toEqual(cluster.nodes.map((n) => n.port));
      expect(replicas.map((n) => n.replicaOf).sort()).toEqual(masters.map((n) => n.id).sort());
      for (const node of cluster.servers) {
        const cli = (...args: string[]) => redisCli(['-h', '127.0.0.1', '-p', String(node.port), ...args]);
        expect(await cli('config', 'get', 'appendonly')).toContain('yes');
        expect(await cli('config', 'get', 'cluster-node-timeout')).toContain('1000');
      }
      const owners = await Promise.all([0, 8000, 16383].map((slot) => cluster.masterOf(slot)));
      expect(new Set(owners.map((n) => n?.id)).size).toBe(3);
      expect(owners.every((n) => n?.replicaOf === undefined)).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});
