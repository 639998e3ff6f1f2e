import type { TaskFormat } from '@tq/core';
import { runBackgroundService } from '@tq/ops';
import { loadConfig } from './config';
import { Reaper } from './reaper';

// The reaper service: passes over every queue on an interval. Stopping mid-interval loses nothing: every
// step is one atomic script, and the pass in progress finishes while Redis is still open.
runBackgroundService('reaper', loadConfig, (config, { logger, redis, registry }) => {
  const reaper = new Reaper({
    redis,
    intervalMs: config.REAPER_INTERVAL_MS,
    queues: config.REAPER_QUEUES,
    retention: {
      finishedMaxAgeMs: config.RETENTION_FINISHED_MAX_AGE_MS,
      finishedMaxCount: config.RETENTION_FINISHED_MAX_COUNT,
      deadMaxAgeMs: config.RETENTION_DEAD_MAX_AGE_MS,
      deadMaxCount: config.RETENTION_DEAD_MAX_COUNT,
    },
    archiveHoldMax: config.RETENTION_ARCHIVE_HOLD_MAX,
    repairIntervalMs: config.REPAIR_INTERVAL_MS,
    functionRetentionMs: config.REAPER_FUNCTION_RETENTION_MS,
    batchSize: config.REAPER_BATCH_SIZE,
    maxPerPass: config.REAPER_MAX_PER_PASS,
    dueQueuesPerPass: config.REAPER_DUE_QUEUES_PER_PASS,
    sweepQueuesPerPass: config.REAPER_SWEEP_QUEUES_PER_PASS,
    idleLookMs: config.REAPER_IDLE_LOOK_MS,
    idleRemoveAfterMs: config.QUEUE_IDLE_REMOVE_AFTER_MS,
    metricsMaxQueues: config.METRICS_MAX_QUEUES,
    taskFormat: config.TASK_FORMAT as TaskFormat,
    logger,
    registry,
  });
  reaper.start();
  return reaper;
});
