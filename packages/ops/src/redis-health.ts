import { EpochWatcher, type RedisClient } from '@tq/core';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Exports what an operator must know about the Redis connection:
 * - `tq_redis_up`: 1 while the connection is ready, 0 otherwise, so an alert fires before queues back up;
 * - `tq_redis_data_loss_total`: times Redis came back without its data (a restart without persistence,
 *   a failover to an empty replica). Tasks stored before are gone; this makes it loud (an error log too).
 * Returns a function that stops watching.
 */
export function observeRedis(registry: Registry, redis: RedisClient, logger: Logger): () => void {
  const up = new Gauge({
    name: 'tq_redis_up',
    help: 'Whether the service is connected to Redis (1) or not (0).',
    registers: [registry],
  });
  const losses = new Counter({
    name: 'tq_redis_data_loss_total',
    help: 'Times Redis was found without the data it had before (restart without persistence, failover to an empty replica).',
    registers: [registry],
  });
  losses.inc(0);
  up.set(redis.status === 'ready' ? 1 : 0);
  redis.on('ready', () => up.set(1));
  redis.on('close', () => up.set(0));
  redis.on('end', () => up.set(0));
  const watcher = new EpochWatcher(redis, (previous, current) => {
    losses.inc();
    logger.error(
      { previousEpoch: previous, currentEpoch: current },
      'Redis lost its data: tasks stored before this moment are gone (run Redis with AOF appendfsync always to prevent this)',
    );
  });
  watcher
    .start()
    .catch((error: unknown) => logger.warn({ err: error }, 'could not read the Redis data epoch yet'));
  return () => watcher.stop();
}
