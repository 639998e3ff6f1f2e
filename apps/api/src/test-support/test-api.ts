import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EPOCH_KEY,
  QueueDirectory,
  createRedis,
  type Clock,
  type PartitionedQueue,
  type RedisClient,
} from '@tq/core';
import { logSink, testPartitions, waitFor } from '@tq/testing';
import type { Express } from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfig, type ApiConfig } from '../config';
import { createEventStreams, type EventStreams } from '../event-streams';
import { createServer } from '../server';
import { createTaskService, openArchive } from '../task-service';

/** An API listening on a free port of 127.0.0.1, on a real Redis. */
export interface TestApi {
  url: string;
  app: Express;
  /** The API's own Redis connection (tests may read through it). */
  redis: RedisClient;
  config: ApiConfig;
  registry: Registry;
  /** The API's event streams. */
  events: EventStreams;
  /** Every log line the API wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts the API the way main.ts does, with `env` over the defaults and REDIS_URL from the
 * environment (the jest global setup's Redis) unless `env` names another. With TQ_TEST_PARTITIONS=N the
 * queues it creates get N partitions (QUEUE_DEFAULT_PARTITIONS).
 */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const partitions = testPartitions();
  const config = loadConfig({
    REDIS_URL: process.env.REDIS_URL,
    PORT: '0',
    ...(partitions > 1 ? { QUEUE_DEFAULT_PARTITIONS: String(partitions) } : {}),
    ...env,
  });
  const redis = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', () => {}); // outages are what some tests are about
  const sink = logSink();
  const logs = sink.lines;
  const registry = new Registry();
  const logger = pino({ level: config.LOG_LEVEL }, sink.stream);
  const events = createEventStreams(redis, config, logger);
  const history = openArchive(config);
  const app = createServer({
    service: createTaskService(redis, config, history?.archive),
    redis,
    config,
    logger,
    registry,
    events,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  // The API writes the Redis data marker (EpochWatcher) right after connecting: let that land first,
  // so tests that compare DBSIZE before and after a request see only what the request did.
  await waitFor(async () => (await redis.exists(EPOCH_KEY).catch(() => 1)) === 1, {
    timeoutMs: 5000,
    message: 'the API never wrote the Redis data marker',
  });
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    redis,
    config,
    registry,
    events,
    logs,
    close: async () => {
      await events.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      redis.disconnect();
      await history?.close();
    },
  };
}

/**
 * Queue `name` as the API opens it (ADR 0040): with its partition layout and, when it does not exist yet,
 * created with TQ_TEST_PARTITIONS partitions as an API with QUEUE_DEFAULT_PARTITIONS would. Tests seed, claim
 * and read through it, so a partitioned queue is one logical queue to them as to the API.
 */
export function testQueue(redis: RedisClient, name: string, clock?: Clock): Promise<PartitionedQueue> {
  return new QueueDirectory(redis, clock, { defaultPartitions: testPartitions() }).open(name, {
    create: true,
  });
}

/** A parsed JSON body, loosely typed so tests can reach into it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** An answer, with its body parsed when it is JSON. */
export interface Answer<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as JSON with Content-Type: application/json (a string is sent as it is, with that type). */
  body?: unknown;
  /** Sent as it is, with no Content-Type but one in `headers` (fetch labels a string text/plain). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  token?: string;
}

/** One HTTP request to the API with Node's fetch. */
export async function call<T = Json>(
  api: { url: string },
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined = options.raw;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(api.url + path, { method, headers, body });
  return answer(res);
}

/** Reads a fetch response, parsing a JSON body. */
export async function answer<T = Json>(res: Response): Promise<Answer<T>> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: /json/.test(type) ? JSON.parse(text) : text };
}
