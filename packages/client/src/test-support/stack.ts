import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, runApi, type RunningApi } from '@tq/api';
import { createRedis, PermanentError, type RedisClient } from '@tq/core';
import { createLogger } from '@tq/ops';
import { createWorker, type Worker } from '@tq/worker';

export const TOKEN = 'client-test-token';
/** A producer token: submits and reads, and gets 403 on admin routes. */
export const PRODUCER_TOKEN = 'client-test-producer';

/** The API and a worker of this process, on the test Redis (or `redisUrl`). */
export interface TestStack {
  url: string;
  api: RunningApi;
  /** Claims from the queues given to startStack; none when that list is empty. */
  worker: Worker | undefined;
  redis: RedisClient;
  close(): Promise<void>;
}

/**
 * Handlers the tests submit to: `echo` answers its payload, `reject` fails permanently, `block` runs until
 * its signal fires (a cancel).
 */
const handlers = {
  echo: ({ payload }: { payload: unknown }) => Promise.resolve({ echoed: payload }),
  reject: () => Promise.reject(new PermanentError('rejected on purpose', 'test_reject')),
  block: ({ signal }: { signal: AbortSignal }) =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
};
/** The workers' lease: extensions (which carry cancel requests) go out every third of it. */
const VISIBILITY_TIMEOUT_MS = 6000;

export async function startStack(
  queues: string[],
  { redisUrl = process.env.REDIS_URL!, env = {} }: { redisUrl?: string; env?: Record<string, string> } = {},
): Promise<TestStack> {
  const logger = createLogger('client-test', 'silent');
  const api = await runApi(
    loadConfig({
      REDIS_URL: redisUrl,
      PORT: '0',
      GRPC_PORT: '0',
      API_TOKENS: TOKEN,
      API_PRODUCER_TOKENS: PRODUCER_TOKEN,
      ...env,
    }),
    logger,
  );
  const redis = createRedis(redisUrl);
  redis.on('error', () => {}); // some tests stop Redis on purpose
  const worker =
    queues.length > 0
      ? createWorker({
          redis,
          queues,
          handlers,
          idlePollMs: 200,
          visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
        })
      : undefined;
  await worker?.start();
  return {
    url: `http://127.0.0.1:${api.port}`,
    api,
    worker,
    redis,
    close: async () => {
      await worker?.stop();
      await api.stop();
      redis.disconnect();
    },
  };
}

/**
 * An HTTP proxy in front of the API that forwards every request, but for the first `drop` requests
 * matching `match` throws the API's answer away and resets the connection: the task is stored, the
 * client never hears so. That is the lost reply a retried submit must not turn into a second task.
 */
export async function startDroppingProxy(
  target: string,
  drop: number,
  match: (method: string, path: string) => boolean,
): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
  const upstream = new URL(target);
  let dropped = 0;
  const server: Server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (dropped < drop && match(req.method ?? '', req.url ?? '')) {
          dropped++;
          answer.resume();
          answer.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
