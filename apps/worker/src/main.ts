import { runBackgroundService } from '@tq/ops';
import { loadConfig } from './config';
import { loadHandlers } from './handlers/registry';
import { createWorker } from './worker';

// The stock worker service: built-in and HANDLER_MODULES handlers. On SIGTERM the worker stops first, so
// handlers finish or are released while Redis and /metrics still work; Redis closes after the last ack.
runBackgroundService('worker', loadConfig, async (config, { logger, redis, registry }) => {
  const handlers = loadHandlers(
    {
      httpAllowedHosts: config.HTTP_TASK_ALLOWED_HOSTS,
      httpAllowPrivateAddresses: config.HTTP_TASK_ALLOW_PRIVATE_ADDRESSES,
      smtpUrl: config.SMTP_URL,
      emailFrom: config.EMAIL_FROM,
      emailDefaultTo: config.EMAIL_DEFAULT_TO,
      modules: config.HANDLER_MODULES,
    },
    logger,
  );
  logger.info({ handlers: Object.keys(handlers).sort() }, 'handlers loaded');
  const worker = createWorker({
    redis,
    queues: config.QUEUES,
    pool: config.WORKER_POOL,
    defaultPartitions: config.QUEUE_DEFAULT_PARTITIONS,
    handlers,
    concurrency: config.WORKER_CONCURRENCY,
    claimBatch: config.CLAIM_BATCH,
    visibilityTimeoutMs: config.VISIBILITY_TIMEOUT_MS,
    taskTimeoutMs: config.TASK_TIMEOUT_MS,
    backoff: { baseMs: config.BACKOFF_BASE_MS, capMs: config.BACKOFF_CAP_MS },
    idlePollMs: config.IDLE_POLL_MS,
    maxPostponements: config.MAX_POSTPONEMENTS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    logger,
    registry,
  });
  await worker.start();
  return worker;
});
