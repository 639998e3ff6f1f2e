import type { RedisClient } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { TaskService } from '@tq/task';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { ApiMetrics } from './api-metrics';
import type { ApiConfig } from './config';
import type { EventStreams } from './event-streams';

/** What every route module gets from createServer. */
export interface RouteContext {
  service: TaskService;
  redis: RedisClient;
  config: ApiConfig;
  registry: Registry;
  metrics: ApiMetrics;
  /** The app's logger (errors through withSafeErrors). */
  logger: Logger;
  /**
   * Requires a bearer token of either scope (lets everything through when no token is configured): the
   * routes that submit and read. Every route but the ops ones and the dashboard's files.
   */
  auth: RequestHandler;
  /** Requires an admin token and logs the request (see auth.ts): the routes that change queues or tasks. */
  admin: RequestHandler;
  /** Whether any token is configured. */
  authEnabled: boolean;
  /** Reads a JSON body into req.body (see json-body.ts). */
  json: RequestHandler;
  /** The server-sent event streams of this process. */
  events: EventStreams;
}
