import { startRedisServer } from './redis-server';

/** A Redis for a test run and where it came from. */
export interface TestRedis {
  /** `redis://host:port`. */
  readonly url: string;
  readonly source: 'env' | 'testcontainers' | 'redis-server';
  /** Stops what startTestRedis started; a no-op for REDIS_URL, which belongs to whoever set it. */
  stop(): Promise<void>;
}

/**
 * A Redis for tests, from the first source that works: REDIS_URL (never stopped); else, unless
 * TESTCONTAINERS_DISABLED=1, a `redis:7` container via @testcontainers/redis; else a private redis-server
 * (see startRedisServer). TEST_REDIS_DEBUG=1 logs the choice and why testcontainers was skipped.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const envUrl = process.env.REDIS_URL;
  if (envUrl) return chosen({ url: envUrl, source: 'env', stop: async () => {} });

  if (process.env.TESTCONTAINERS_DISABLED !== '1') {
    try {
      // Loaded lazily because the require alone costs ~400 ms. require, not import(): a dynamic import()
      // throws inside jest's test sandbox unless node runs with --experimental-vm-modules.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { RedisContainer } = require('@testcontainers/redis') as typeof import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7').start();
      return chosen({
        url: container.getConnectionUrl(),
        source: 'testcontainers',
        stop: async () => {
          await container.stop();
        },
      });
    } catch (err) {
      debug(`testcontainers unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const server = await startRedisServer();
  return chosen({ url: server.url, source: 'redis-server', stop: () => server.stop() });
}

function chosen(redis: TestRedis): TestRedis {
  debug(`using ${redis.source} at ${redis.url}`);
  return redis;
}

function debug(message: string): void {
  if (process.env.TEST_REDIS_DEBUG) process.stderr.write(`[test-redis] ${message}\n`);
}
