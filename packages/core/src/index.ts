export { ManualClock, type Clock } from './clock';
export { EPOCH_KEY, EpochWatcher } from './epoch';
export { createRedis, parseRedisUrl, type ConnectionOptions } from './connection';
export { PermanentError, TqError, type TqErrorCode } from './errors';
export { QUEUE_NAME_PATTERN, assertQueueName, newTaskId, parseTaskId } from './ids';
export { QUEUES_KEY, queueKeys, type QueueKeys } from './keys';
export { ERROR_HISTORY_MAX, Queue, listQueues } from './queue';
export type { RedisClient } from './scripts';
export * from './types';
