import { Readable } from 'node:stream';
import { createRedis, type RedisClient } from '@tq/core';
import { logSink, randomQueueName, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import pino from 'pino';
import { loadConfig } from './config';
import { runApi, type RunningApi } from './run-api';
import { answer } from './test-support/test-api';

let redisServer: RedisServer;
let admin: RedisClient;
let api: RunningApi;

beforeAll(async () => {
  redisServer = await startRedisServer();
  admin = createRedis(redisServer.url);
});
beforeEach(async () => {
  api = await runApi(
    loadConfig({ REDIS_URL: redisServer.url, PORT: '0', GRPC_PORT: '0' }),
    pino({ level: 'silent' }),
  );
});
afterEach(() => api.stop());
afterAll(async () => {
  admin.disconnect();
  await redisServer.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  return [await fn(), Date.now() - started];
}

/** Clients connected to the test Redis under the API's connection name. */
async function apiConnections(): Promise<number> {
  const list = (await admin.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => / name=tq-api /.test(line)).length;
}

describe('runApi', () => {
  it('serves the seed request on its port', async () => {
    const res = await fetch(`http://127.0.0.1:${api.port}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"email","payload":"hello world"}',
    });
    expect(res.status).toBe(201);
    expect(await apiConnections()).toBe(1);
  });

  it('stops gracefully: refuses new connections, finishes the request in flight, then closes Redis', async () => {
    const queue = randomQueueName();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstHalfSent = () => {};
    const halfway = new Promise<void>((resolve) => (firstHalfSent = resolve));
    async function* body() {
      yield `{"type":"email","queue":"${queue}",`;
      firstHalfSent();
      await held;
      yield '"payload":"sent during shutdown"}';
    }
    const inFlight = fetch(`http://127.0.0.1:${api.port}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(body()) as unknown as ReadableStream,
      duplex: 'half',
    });
    await halfway;
    await waitFor(async () => (await openConnections(api)) === 1, {
      message: 'the request reaching the server',
    });

    let stopped = false;
    const stopping = api.stop().then(() => (stopped = true));
    await expect(fetch(`http://127.0.0.1:${api.port}/healthz`)).rejects.toThrow();
    expect(stopped).toBe(false);
    expect(await apiConnections()).toBe(1);

    release();
    const res = await answer(await inFlight);
    expect(res.status).toBe(201);
    expect(res.body.payload).toBe('sent during shutdown');
    const [, stopMs] = await timed(() => stopping);
    // Held open by the keep-alive connection it would take Node's keepAliveTimeout (5 s); 3 s tells the
    // two apart with room for a loaded machine.
    expect(stopMs).toBeLessThan(3000);
    await waitFor(async () => (await apiConnections()) === 0, {
      message: 'the API closed its Redis connection',
    });
  });
});

describe('runApi at start', () => {
  const AUTH_OFF = 'authentication is off: API_TOKENS and API_PRODUCER_TOKENS are empty';

  it('warns that authentication is off when no token is set, and not when one is', async () => {
    for (const [tokens, producerTokens, warnings] of [
      ['', '', 1],
      ['t0ken-a', '', 0],
      ['', 't0ken-a', 0],
    ] as const) {
      const sink = logSink();
      const own = await runApi(
        loadConfig({
          REDIS_URL: redisServer.url,
          PORT: '0',
          GRPC_PORT: '0',
          API_TOKENS: tokens,
          API_PRODUCER_TOKENS: producerTokens,
        }),
        pino({ level: 'info' }, sink.stream),
      );
      await own.stop();
      const warned = sink.find(AUTH_OFF);
      expect(warned).toHaveLength(warnings);
      if (warnings) expect(warned[0]).toMatchObject({ level: 40 });
      expect(JSON.stringify(sink.lines)).not.toContain('t0ken-a');
    }
  });
});

describe('runApi with METRICS_PORT', () => {
  it('serves /metrics on that port only, so a NetworkPolicy can open it to Prometheus alone', async () => {
    const separate = await runApi(
      loadConfig({ REDIS_URL: redisServer.url, PORT: '0', METRICS_PORT: '0', GRPC_PORT: '0' }),
      pino({ level: 'silent' }),
    );
    try {
      expect(separate.metricsPort).toEqual(expect.any(Number));
      expect(separate.metricsPort).not.toBe(separate.port);
      const onApiPort = await fetch(`http://127.0.0.1:${separate.port}/metrics`);
      expect(onApiPort.status).toBe(404);
      await onApiPort.text();
      const text = await (await fetch(`http://127.0.0.1:${separate.metricsPort}/metrics`)).text();
      // The API port answered that 404 (as an unmatched route), and its metrics are here.
      expect(text).toMatch(/^tq_http_requests_total\{route="unmatched",method="GET",status="404"\} 1$/m);
      expect((await fetch(`http://127.0.0.1:${separate.metricsPort}/readyz`)).status).toBe(200);
    } finally {
      await separate.stop();
    }
    await expect(fetch(`http://127.0.0.1:${separate.metricsPort}/metrics`)).rejects.toThrow();
  });

  it('is off by default: /metrics is a route of PORT', () => {
    expect(api.metricsPort).toBeUndefined();
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT=.*must be a whole number/);
  });
});

function openConnections({ server }: RunningApi): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}
