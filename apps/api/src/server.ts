import type { RedisClient } from '@tq/core';
import { withSafeErrors, type Logger } from '@tq/ops';
import type { TaskService } from '@tq/task';
import cors from 'cors';
import express, { type Express, type Request } from 'express';
import type { Registry } from 'prom-client';
import { createApiMetrics, observeEventStreams, type ApiMetrics } from './api-metrics';
import { bearerAuth, type Auth } from './auth';
import type { ApiConfig } from './config';
import { errorHandler } from './error-handler';
import type { EventStreams } from './event-streams';
import { jsonBody } from './json-body';
import { observeRequests } from './observe-requests';
import { HttpProblem } from './problem';
import type { RouteContext } from './route-context';
import { dashboardRoutes } from './routes/dashboard';
import { deadLetterRoutes } from './routes/dead-letters';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { openApiRoutes } from './routes/openapi';
import { taskActionRoutes } from './routes/task-actions';
import { taskBatchRoutes } from './routes/task-batch';
import { taskRoutes } from './routes/tasks';
import { queueTaskRoutes } from './routes/queue-tasks';
import { queueLimitRoutes } from './routes/queue-limits';
import { queueRoutes } from './routes/queues';
import { scheduleRoutes } from './routes/schedules';
import { statsRoutes } from './routes/stats';
import { workerRoutes } from './routes/workers';

/** What the HTTP app needs; main.ts builds them from the config, tests from a test Redis. */
export interface ServerDeps {
  service: TaskService;
  /** The connection the service uses; /readyz pings it and tq_redis_up follows it. */
  redis: RedisClient;
  config: ApiConfig;
  logger: Logger;
  /** A dedicated registry: createServer registers the API's metrics and the process defaults on it. */
  registry: Registry;
  /** The SSE streams (its owner stops it before closing the HTTP server: open streams hold it). */
  events: EventStreams;
  /** The metrics, when the caller shares them with the gRPC server; else made on `registry`. */
  metrics?: ApiMetrics;
  /** The token guards, when the caller shares them with the gRPC server; else made from the config. */
  auth?: Auth;
}

/**
 * The producer HTTP API as an express app, not yet listening. Every router is mounted at the root,
 * so a route's pattern (req.route.path) is its full path: the metrics' route label and the OpenAPI
 * check rely on it.
 */
export function createServer(deps: ServerDeps): Express {
  const { config } = deps;
  // Whatever logger the caller gives, errors are logged without their data (an ioredis error carries
  // the command's arguments: the payload).
  const logger = withSafeErrors(deps.logger);
  const metrics =
    deps.metrics ?? createApiMetrics(deps.registry, deps.redis, logger, config.METRICS_MAX_QUEUES);
  const auth = deps.auth ?? apiAuth(config, logger);
  observeEventStreams(deps.registry, deps.events);
  const context: RouteContext = {
    ...deps,
    logger,
    metrics,
    auth: auth.any,
    admin: auth.admin,
    authEnabled: auth.enabled,
    json: jsonBody({ maxPayloadBytes: config.MAX_PAYLOAD_BYTES }),
  };

  const app = express();
  app.disable('x-powered-by');
  // A task's state changes under its id, and hashing every answer for an ETag costs CPU on the hot path.
  app.disable('etag');
  app.use(observeRequests(metrics, logger.child({ component: 'http' })));
  if (config.CORS_ORIGINS.length > 0) {
    // A dashboard (or another page) served from these origins may call the API; it authenticates with
    // the Authorization header, never cookies, so credentials stay off.
    app.use(
      cors({
        origin: config.CORS_ORIGINS,
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        exposedHeaders: ['Location', 'Retry-After', 'Idempotent-Replayed', 'WWW-Authenticate'],
        maxAge: 600,
      }),
    );
  }
  // No two routers serve the same method and path, so their order only decides how many a request walks
  // through before its own: POST /tasks, the hot route, is in the first.
  for (const routes of [
    taskRoutes,
    healthRoutes,
    // With METRICS_PORT, /metrics is served there instead (runApi).
    ...(config.METRICS_PORT === undefined ? [metricsRoutes] : []),
    openApiRoutes,
    taskActionRoutes,
    eventRoutes,
    taskBatchRoutes,
    queueRoutes,
    queueTaskRoutes,
    queueLimitRoutes,
    scheduleRoutes,
    deadLetterRoutes,
    workerRoutes,
    statsRoutes,
    dashboardRoutes,
  ]) {
    app.use(routes(context));
  }
  app.use((req: Request) => {
    throw new HttpProblem(
      'not-found',
      `no route ${req.method} ${req.path}; GET /openapi.json lists the routes`,
    );
  });
  app.use(errorHandler({ metrics, logger, redisCommandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS }));
  return app;
}

/** The token guards of an API with config `config` (both token lists). */
export function apiAuth(config: ApiConfig, logger: Logger): Auth {
  return bearerAuth([...config.API_TOKENS, ...config.API_PRODUCER_TOKENS], logger);
}
