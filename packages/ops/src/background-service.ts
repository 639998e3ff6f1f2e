import { closeRedis, createRedis, type RedisClient } from '@tq/core';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from './logger';
import { startOpsServer, type OpsServer } from './ops-server';
import { collectProcessMetrics } from './process-metrics';
import { observeRedis } from './redis-health';
import { watchRedisDurability } from './redis-durability';
import { CLOSE_TIMEOUT_MS, SHUTDOWN_MARGIN_MS, exitOnStartupError, onShutdown, settleBy } from './shutdown';

/** What a background service (worker, reaper) shares: logs, one Redis connection, metrics, /metrics. */
export interface ServiceContext {
  logger: Logger;
  redis: RedisClient;
  registry: Registry;
  ops: OpsServer;
}

/** The part of a background service's config every such service has. */
export interface ServiceConfig {
  REDIS_URL: string;
  METRICS_PORT: number;
  LOG_LEVEL: string;
  /** Refuse to start unless every Redis master has AOF `always` and `noeviction` (see watchRedisDurability). */
  REDIS_REQUIRE_DURABLE?: boolean;
  /** How long the part's stop may take before the service closes anyway; plus SHUTDOWN_MARGIN_MS. Default 0. */
  SHUTDOWN_TIMEOUT_MS?: number;
}

/** A running part of a service: it is stopped on SIGTERM/SIGINT before Redis closes. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Runs a background service: validates its config (exit 1 naming each bad variable), connects to Redis,
 * serves /metrics, /healthz and /readyz on METRICS_PORT, checks Redis's persistence settings (refusing to
 * go on when REDIS_REQUIRE_DURABLE is set and they would lose tasks), starts the service's part with `start`, and on
 * SIGTERM/SIGINT stops in reverse order of start: the part first (it may still need Redis to finish or
 * release its work), then the ops server, then Redis. The whole stop ends within SHUTDOWN_TIMEOUT_MS +
 * SHUTDOWN_MARGIN_MS whatever Redis does, and exits 0 unless something threw: a part still stopping at
 * the deadline (Redis unreachable) is left behind with a warning; nothing waits on a dead connection.
 */
export function runBackgroundService<C extends ServiceConfig>(
  name: string,
  loadConfig: () => C,
  start: (config: C, context: ServiceContext) => Stoppable | Promise<Stoppable>,
): void {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    exitOnStartupError(name, error);
  }
  const run = async () => {
    const logger = createLogger(name, config.LOG_LEVEL);
    const redis = createRedis(config.REDIS_URL, { connectionName: `tq-${name}` });
    // Connection errors only (replies reject their command): ioredis reconnects by itself; say so in the log.
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    const registry = new Registry();
    collectProcessMetrics(registry);
    const stopObservingRedis = observeRedis(registry, redis, logger);
    const ops = await startOpsServer({
      port: config.METRICS_PORT,
      registry,
      // The probe answers a generic 503; why Redis did not answer goes to the log.
      ready: () =>
        redis.ping().then(
          (reply) => reply === 'PONG',
          (error: unknown) => {
            logger.warn({ err: error }, 'not ready: Redis did not answer PING');
            return false;
          },
        ),
    });
    logger.info({ port: ops.port }, 'metrics and health on /metrics, /healthz, /readyz');
    // Before the part starts: with REDIS_REQUIRE_DURABLE=1 a Redis that would lose tasks stops the start here.
    const durability = await watchRedisDurability(registry, redis, logger, {
      require: config.REDIS_REQUIRE_DURABLE,
    });
    const part = await start(config, { logger, redis, registry, ops });
    const limitMs = (config.SHUTDOWN_TIMEOUT_MS ?? 0) + SHUTDOWN_MARGIN_MS;
    onShutdown(
      logger,
      async () => {
        const deadline = Date.now() + limitMs;
        if (!(await settleBy(deadline - CLOSE_TIMEOUT_MS, part.stop())))
          logger.warn(
            { limitMs },
            'shutdown deadline reached before the stop finished (is Redis down?): exiting',
          );
        await ops.close();
        stopObservingRedis();
        durability.stop();
        await closeRedis(redis, Math.min(CLOSE_TIMEOUT_MS, deadline - Date.now()));
      },
      // Everything above is bounded; past this something is stuck that should not be.
      { backstopMs: limitMs + 1000 },
    );
  };
  run().catch((error: unknown) => exitOnStartupError(name, error));
}
