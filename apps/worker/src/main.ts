import { createRedis } from '@tq/core';
import {
  collectProcessMetrics,
  createLogger,
  exitOnStartupError,
  observeRedis,
  onShutdown,
  startOpsServer,
} from '@tq/ops';
import { Registry } from 'prom-client';
import { loadConfig, type WorkerConfig } from './config';
import { loadHandlers } from './handlers/registry';
import { createWorker } from './worker';

/** The stock worker service: config from the environment, built-in and HANDLER_MODULES handlers, /metrics. */
async function main(config: WorkerConfig): Promise<void> {
  const logger = createLogger('worker', config.LOG_LEVEL);
  const handlers = loadHandlers(
    {
      httpAllowedHosts: config.HTTP_TASK_ALLOWED_HOSTS,
      smtpUrl: config.SMTP_URL,
      emailFrom: config.EMAIL_FROM,
      emailDefaultTo: config.EMAIL_DEFAULT_TO,
      modules: config.HANDLER_MODULES,
    },
    logger,
  );
  const redis = createRedis(config.REDIS_URL, { connectionName: 'tq-worker' });
  // Connection errors only (replies reject their command): ioredis reconnects by itself; say so in the log.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  const registry = new Registry();
  collectProcessMetrics(registry);
  const stopObservingRedis = observeRedis(registry, redis, logger);
  const worker = createWorker({
    redis,
    queues: config.QUEUES,
    handlers,
    concurrency: config.WORKER_CONCURRENCY,
    claimBatch: config.CLAIM_BATCH,
    visibilityTimeoutMs: config.VISIBILITY_TIMEOUT_MS,
    taskTimeoutMs: config.TASK_TIMEOUT_MS,
    backoff: { baseMs: config.BACKOFF_BASE_MS, capMs: config.BACKOFF_CAP_MS },
    idlePollMs: config.IDLE_POLL_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    registry,
  });
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    registry,
    ready: async () => (await redis.ping()) === 'PONG',
  });
  logger.info(
    { port: ops.port, handlers: Object.keys(handlers).sort() },
    'metrics and health on /metrics, /healthz, /readyz',
  );
  await worker.start();

  // Reverse order of start: the worker first, so handlers finish or are released while Redis and /metrics
  // still work; then the ops server; Redis last, after the final acknowledgements.
  onShutdown(logger, async () => {
    await worker.stop();
    await ops.close();
    stopObservingRedis();
    await redis.quit();
  });
}

let config: WorkerConfig;
try {
  config = loadConfig();
} catch (error) {
  exitOnStartupError('worker', error);
}
main(config).catch((error: unknown) => exitOnStartupError('worker', error));
