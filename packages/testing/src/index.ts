export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server';
export { startRedisCluster, type RedisCluster } from './redis-cluster';
export { startTestRedis, type TestRedis } from './test-redis';
export { postgresBinDir, startPostgresServer, type PostgresServer } from './postgres-server';
export { startTestPostgres, type TestPostgres } from './test-postgres';
export { randomQueueName } from './random-queue';
export { waitFor, type WaitForOptions } from './wait-for';
export { waitForService, type WaitForServiceOptions } from './wait-for-service';
export { freePort } from './free-port';
export { ChildService, spawnTracked, type ChildServiceOptions, type Exit } from './child-service';
export { logSink, type LogSink } from './log-sink';
export {
  POSTGRES_START_TIMEOUT_MS,
  REDIS_START_TIMEOUT_MS,
  SERVICE_START_TIMEOUT_MS,
  WAIT_FOR_TIMEOUT_MS,
} from './deadlines';
export { metricSample } from './metric-sample';
export { onTestCluster, testPartitions } from './test-partitions';
