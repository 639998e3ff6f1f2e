import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeRedis, createRedis } from '@tq/core';
import {
  CLOSE_TIMEOUT_MS,
  startOpsServer,
  watchRedisDurability,
  withSafeErrors,
  type Logger,
  type OpsServer,
} from '@tq/ops';
import { Registry } from 'prom-client';
import type { ApiConfig } from './config';
import { createEventStreams } from './event-streams';
import { createApiMetrics } from './api-metrics';
import { startGrpcServer } from './grpc/server';
import { apiAuth, createServer } from './server';
import { createTaskService, openArchive } from './task-service';

/** A listening API. */
export interface RunningApi {
  /** The port it listens on (PORT, or the one picked for PORT=0). */
  port: number;
  /** Where /metrics is served when METRICS_PORT is set (the port picked for 0), else undefined. */
  metricsPort: number | undefined;
  /** The gRPC API's port (GRPC_PORT); undefined when GRPC_PORT is 0 (off). */
  grpcPort: number | undefined;
  server: Server;
  /** Stops gracefully; see runApi. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Connects to Redis, checks its persistence settings (refusing to start when REDIS_REQUIRE_DURABLE is set
 * and they would lose tasks), builds the app and listens on `config.PORT`. Start order: Redis, then HTTP,
 * so no request arrives before there is a client to serve it.
 */
export async function runApi(config: ApiConfig, logger: Logger): Promise<RunningApi> {
  const redis = createRedis(config.REDIS_URL, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectionName: 'tq-api',
  });
  // Connection errors only (replies reject their command): ioredis reconnects by itself; say so once per attempt.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  const registry = new Registry();
  // Before anything listens: with REDIS_REQUIRE_DURABLE=1 a Redis that would lose tasks stops the start here.
  const durability = await watchRedisDurability(registry, redis, logger, {
    require: config.REDIS_REQUIRE_DURABLE,
  });
  const events = createEventStreams(redis, config, logger);
  const history = openArchive(config);
  if (history)
    logger.info('task history on: GET /tasks/:id falls back to PostgreSQL, GET /tasks searches it');
  const service = createTaskService(redis, config, history?.archive);
  // Errors logged without their data (an ioredis error carries the command's arguments: the payload).
  const safeLogger = withSafeErrors(logger);
  const metrics = createApiMetrics(registry, redis, safeLogger, config.METRICS_MAX_QUEUES);
  const auth = apiAuth(config, safeLogger);
  const app = createServer({ service, redis, config, logger, registry, events, metrics, auth });
  let ops: OpsServer | undefined;
  if (config.METRICS_PORT !== undefined) {
    ops = await startOpsServer({
      port: config.METRICS_PORT,
      registry,
      ready: async () => (await redis.ping()) === 'PONG',
    });
    logger.info({ port: ops.port }, 'metrics and health on /metrics, /healthz, /readyz');
  }

  let closing = false;
  const server = createHttpServer(app);
  // Once stopping, a keep-alive connection is closed as soon as its response is out, so clients
  // reconnect (elsewhere) instead of holding this process open until keepAliveTimeout.
  server.on('request', (_req, res) => {
    res.once('finish', () => closing && setImmediate(() => server.closeIdleConnections()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'listening');
  // gRPC after HTTP, stopped before it: the same service, metrics, tokens and event feed.
  const grpc =
    config.GRPC_PORT === 0
      ? undefined
      : await startGrpcServer({ service, config, logger: safeLogger, registry, metrics, auth, events }).catch(
          async (error: unknown) => {
            server.close();
            await closeRedis(redis, CLOSE_TIMEOUT_MS);
            throw error;
          },
        );
  if (config.API_TOKENS.length + config.API_PRODUCER_TOKENS.length === 0) {
    logger.warn(
      'authentication is off: API_TOKENS and API_PRODUCER_TOKENS are empty, so anyone who reaches this port ' +
        'can submit, read and delete tasks; set API_TOKENS to a comma-separated list of bearer tokens',
    );
  }

  const stop = async () => {
    // Reverse of the start order. 1. Stop accepting connections and let in-flight requests finish:
    // they need Redis to answer truthfully (a request cut off mid-enqueue leaves its client unsure).
    // Idle connections close now, busy ones after their response, or past SHUTDOWN_TIMEOUT_MS by
    // force. 2. Only then close Redis, when nothing can use it any more; QUIT lets Redis answer the
    // commands already sent.
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // gRPC alongside: no new calls, Watch streams ended (clients call again elsewhere), unary calls finish.
    const grpcStopped = grpc?.stop(config.SHUTDOWN_TIMEOUT_MS);
    // Event streams never finish by themselves: end them now (clients resume elsewhere with Last-Event-ID),
    // so that they do not hold the shutdown until its timeout.
    await events.stop();
    const timer = setTimeout(() => {
      logger.warn(
        { timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
        'requests still in flight at the shutdown timeout: closing them',
      );
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    await closed;
    await grpcStopped;
    clearTimeout(timer);
    await ops?.close();
    durability.stop();
    await history?.close().catch(() => undefined);
    // QUIT waits for a reply, which an unreachable Redis never sends: then just drop the socket.
    await closeRedis(redis, CLOSE_TIMEOUT_MS);
  };
  let stopping: Promise<void> | undefined;
  return {
    port,
    metricsPort: ops?.port,
    grpcPort: grpc?.port,
    server,
    stop: () => (stopping ??= stop()),
  };
}
