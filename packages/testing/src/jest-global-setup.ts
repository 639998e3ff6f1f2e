import { startRedisCluster } from './redis-cluster';
import { keepSuiteRedis } from './suite-redis';
import { startTestRedis, type TestRedis } from './test-redis';

const SOURCE_LABEL: Record<TestRedis['source'], string> = {
  env: 'REDIS_URL',
  testcontainers: 'testcontainers redis:7',
  'redis-server': 'redis-server',
};

/**
 * Jest globalSetup: starts the Redis the suite uses and sets REDIS_URL to it, which the forked jest workers
 * inherit. TQ_TEST_CLUSTER=1 starts a private 3-master Redis Cluster instead of using startTestRedis().
 */
export default async function globalSetup(): Promise<void> {
  const previousUrl = process.env.REDIS_URL;
  if (process.env.TQ_TEST_CLUSTER === '1') {
    const cluster = await startRedisCluster();
    keepSuiteRedis({ stop: () => cluster.stop(), previousUrl });
    process.env.REDIS_URL = cluster.url;
    process.stderr.write(`tq tests: Redis Cluster (${cluster.nodes.length} masters) on ${cluster.url}\n`);
  } else {
    const redis = await startTestRedis();
    keepSuiteRedis({ stop: () => redis.stop(), previousUrl });
    process.env.REDIS_URL = redis.url;
    process.stderr.write(`tq tests: ${SOURCE_LABEL[redis.source]} on ${redis.url}\n`);
  }
}
