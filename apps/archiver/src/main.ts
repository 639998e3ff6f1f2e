import { HistoryStore } from '@tq/history';
import { runBackgroundService } from '@tq/ops';
import { Archiver } from './archiver';
import { loadConfig } from './config';

// The archiver service: archives finished tasks to PostgreSQL on an interval. Stopping mid-batch loses
// nothing: a batch not yet confirmed to Redis is read again by the next archiver (the upsert is idempotent).
// The archiver stops before the pool closes (it may be writing), and before Redis (it confirms there).
runBackgroundService('archiver', loadConfig, (config, { logger, redis, registry }) => {
  const store = new HistoryStore({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
  const archiver = new Archiver({
    redis,
    store,
    intervalMs: config.ARCHIVER_INTERVAL_MS,
    batchSize: config.ARCHIVER_BATCH_SIZE,
    batchBytes: config.ARCHIVER_BATCH_BYTES,
    maxPerPass: config.ARCHIVER_MAX_PER_PASS,
    concurrency: config.ARCHIVER_CONCURRENCY,
    leaseMs: config.ARCHIVER_LEASE_MS,
    retentionMs: config.ARCHIVE_RETENTION_MS,
    retentionIntervalMs: config.ARCHIVE_RETENTION_INTERVAL_MS,
    metricsMaxQueues: config.METRICS_MAX_QUEUES,
    logger,
    registry,
  });
  archiver.start();
  return {
    stop: async () => {
      await archiver.stop();
      await store.close();
    },
  };
});
