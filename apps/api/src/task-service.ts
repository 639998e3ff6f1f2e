import type { RedisClient, TaskFormat } from '@tq/core';
import { TaskRepository, TaskService, type TaskArchive } from '@tq/task';
import type { ApiConfig } from './config';

/**
 * The task service with the API's limits: payload size, queue depth, idempotency window, queue policy, the
 * replicas an enqueue waits for (ADR 0044), the partitions of a new queue (QUEUE_DEFAULT_PARTITIONS), the stored task format (TASK_FORMAT), and
 * the task history when DATABASE_URL configures one ({@link openArchive}).
 */
export function createTaskService(redis: RedisClient, config: ApiConfig, archive?: TaskArchive): TaskService {
  const enqueueWait =
    config.REDIS_ENQUEUE_WAIT_REPLICAS > 0
      ? { replicas: config.REDIS_ENQUEUE_WAIT_REPLICAS, timeoutMs: config.REDIS_ENQUEUE_WAIT_TIMEOUT_MS }
      : undefined;
  return new TaskService(
    new TaskRepository(redis, undefined, {
      enqueueWait,
      directory: {
        defaultPartitions: config.QUEUE_DEFAULT_PARTITIONS,
        idempotencyWindowMs: config.IDEMPOTENCY_TTL_MS,
      },
    }),
    {
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxQueueDepth: config.QUEUE_MAX_DEPTH,
      idempotencyWindowMs: config.IDEMPOTENCY_TTL_MS,
      queuePolicy: { allowed: config.QUEUE_NAMES_ALLOWED, maxQueues: config.QUEUE_MAX_COUNT },
      archive,
      maxSchedules: config.SCHEDULE_MAX_COUNT,
      taskFormat: config.TASK_FORMAT as TaskFormat,
    },
  );
}

/** The task history of DATABASE_URL, and how to close it. */
export interface OpenArchive {
  archive: TaskArchive;
  close(): Promise<void>;
}

/**
 * The task history when DATABASE_URL is set, else undefined. @tq/history (pg, kysely) is loaded only then.
 * Nothing is asked of PostgreSQL here: an API starts, and serves everything Redis holds, while PostgreSQL
 * is down; history reads answer 503 until it is back. The archivers create the table (docs/history.md).
 */
export function openArchive(config: ApiConfig): OpenArchive | undefined {
  if (config.DATABASE_URL === '') return undefined;
  // Loaded here, not imported at the top: an API without DATABASE_URL never loads pg or kysely.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HistoryStore } = require('@tq/history') as typeof import('@tq/history');
  const store = new HistoryStore({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  return { archive: store, close: () => store.close() };
}
