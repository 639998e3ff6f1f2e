import type { RedisClient } from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import type { ApiConfig } from './config';

/** The task service with the API's limits: payload size, queue depth, idempotency window, queue policy. */
export function createTaskService(redis: RedisClient, config: ApiConfig): TaskService {
  return new TaskService(new TaskRepository(redis), {
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    maxQueueDepth: config.QUEUE_MAX_DEPTH,
    idempotencyWindowMs: config.IDEMPOTENCY_TTL_MS,
    queuePolicy: { allowed: config.QUEUE_NAMES_ALLOWED, maxQueues: config.QUEUE_MAX_COUNT },
  });
}
