export { ManualClock, type Clock } from './clock';
export { EPOCH_KEY, EpochWatcher } from './epoch';
export { commandTimeoutOf } from './call-deadline';
export {
  closeRedis,
  createRedis,
  isCluster,
  parseRedisUrl,
  redisMasters,
  type ConnectionOptions,
  type RedisNode,
} from './connection';
export { PermanentError, RateLimitError, TqError, type TqErrorCode } from './errors';
export {
  DEFAULT_TASK_FORMAT,
  MAX_PARTITIONS,
  QUEUE_NAME_PATTERN,
  assertQueueName,
  newTaskId,
  parseTaskId,
  type TaskFormat,
} from './ids';
export { PartitionedQueue, readLayout, type PartitionLayout } from './partitions';
export {
  compareStreamIds,
  formatEventPositions,
  maxMergedCursorChars,
  parseEventPositions,
} from './partition-inspection';
export { QueueDirectory, type QueueDirectoryOptions, type QueueOpenOptions } from './queue-directory';
export {
  ARCHIVE_KEY,
  FUNCTION_KEYS,
  QUEUES_KEY,
  SCHEDULES_KEY,
  WORKER_KEYS,
  groupPendingPrefix,
  hashSlot,
  partitionTag,
  queueKeys,
  type QueueKeys,
} from './keys';
export { CronSchedule, NEVER_MS } from './cron';
export {
  MISSED_COUNT_MAX,
  SCHEDULE_ID_PATTERN,
  ScheduleStore,
  assertScheduleId,
  planSlots,
  type FireResult,
  type MisfirePolicy,
  type OverlapPolicy,
  type ScheduleChange,
  type ScheduleDefinition,
  type ScheduleRecord,
  type ScheduleTask,
  type SlotPlan,
} from './schedules';
export { archiveRequired, requireArchive } from './archive-flag';
export { pruneFunctionLibraries, type FunctionPrune } from './function-libraries';
export { isRedisError, isRedisUnavailable } from './redis-errors';
export { MAX_CURSOR_CHARS } from './cursor';
export {
  EventFeed,
  type EventFeedOptions,
  type EventListener,
  type EventsOffListener,
  type EventSubscription,
} from './event-feed';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_POSTPONEMENTS,
  DEFAULT_SCAN_BUDGET,
  DELETE_TOMBSTONE_MS,
  ERROR_HISTORY_MAX,
  PROGRESS_MAX_BYTES,
  Queue,
  listQueues,
} from './queue';
export { redactUrl, redactUrls } from './redact';
export type { RedisClient } from './scripts';
export { MAX_LISTED_RUNNING, WorkerRegistry, type LiveWorker, type WorkerInfo } from './workers';
export * from './types';
