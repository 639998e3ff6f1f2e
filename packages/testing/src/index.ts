export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server';
export { startRedisCluster, type RedisCluster } from './redis-cluster';
export { startTestRedis, type TestRedis } from './test-redis';
export { randomQueueName } from './random-queue';
export { waitFor, type WaitForOptions } from './wait-for';
export { waitForService, type WaitForServiceOptions } from './wait-for-service';
export { freePort } from './free-port';
export { ChildService, spawnTracked, type ChildServiceOptions, type Exit } from './child-service';
export { logSink, type LogSink } from './log-sink';
