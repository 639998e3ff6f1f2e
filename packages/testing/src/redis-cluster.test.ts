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
});
