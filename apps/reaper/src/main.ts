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
import { loadConfig, type ReaperConfig } from './config';
import { Reaper } from './reaper';

/** The reaper service: passes over every queue on an interval, /metrics and health on METRICS_PORT. */
async function main(config: ReaperConfig): Promise<void> {
  const logger = createLogger('reaper', config.LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, { connectionName: 'tq-reaper' });
  // Connection errors only (replies reject their command): ioredis reconnects by itself; say so in the log.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  const registry = new Registry();
  collectProcessMetrics(registry);
  const stopObservingRedis = observeRedis(registry, redis, logger);
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
    repairIntervalMs: config.REPAIR_INTERVAL_MS,
    batchSize: config.REAPER_BATCH_SIZE,
    maxPerPass: config.REAPER_MAX_PER_PASS,
    logger,
    registry,
  });
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    registry,
    ready: async () => (await redis.ping()) === 'PONG',
  });
  logger.info({ port: ops.port }, 'metrics and health on /metrics, /healthz, /readyz');
  reaper.start();

  // Reverse order of start: finish the pass in progress while Redis is still open, then the ops
  // server, then Redis. Nothing is lost by stopping mid-interval: every step is atomic.
  onShutdown(logger, async () => {
    await reaper.stop();
    await ops.close();
    stopObservingRedis();
    await redis.quit();
  });
}

let config: ReaperConfig;
try {
  config = loadConfig();
} catch (error) {
  exitOnStartupError('reaper', error);
}
main(config).catch((error: unknown) => exitOnStartupError('reaper', error));
