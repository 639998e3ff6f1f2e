import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('ops routes and unknown routes', () => {
  it('GET /healthz and GET /readyz answer 200 while Redis is up', async () => {
    expect(await call(api, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(api, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('answers /readyz 503 with a generic reason, never the Redis client error, and logs the error', async () => {
    // Not a Redis: an HTTP server, whose "HTTP/1.1 400" the client reads as "Unknown RESP type 72".
    const notRedis: Server = createServer((_req, res) => res.writeHead(400).end());
    await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
    const wrong = await startTestApi({
      REDIS_URL: `redis://127.0.0.1:${(notRedis.address() as AddressInfo).port}`,
      REDIS_COMMAND_TIMEOUT_MS: '300',
    });
    try {
      const res = await call(wrong, 'GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        type: 'urn:tq:problem:unavailable',
        detail: 'Redis did not answer PING within 300 ms; this instance cannot store tasks now',
      });
      const logged = wrong.logs.filter((l) => l.msg === 'not ready: Redis did not answer PING');
      expect(logged).toHaveLength(1);
      expect(logged[0]!.err).toMatchObject({ message: expect.any(String) });
    } finally {
      await wrong.close();
      notRedis.closeAllConnections();
      await new Promise<void>((resolve) => notRedis.close(() => resolve()));
    }
  });

  it('answers an unknown route with a 404 problem naming it', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PUT', '/tasks'],
      ['POST', '/queues'],
    ] as const) {
      const res = await call(api, method, path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: 'urn:tq:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `no route ${method} ${path}; GET /openapi.json lists the routes`,
        instance: path,
      });
    }
  });
});
