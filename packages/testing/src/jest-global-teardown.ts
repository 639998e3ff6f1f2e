import { takeSuiteRedis } from './suite-redis';

/** Jest globalTeardown: stops the Redis that globalSetup started and restores REDIS_URL. */
export default async function globalTeardown(): Promise<void> {
  const redis = takeSuiteRedis();
  if (!redis) return;
  await redis.stop();
  if (redis.previousUrl === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = redis.previousUrl;
}
