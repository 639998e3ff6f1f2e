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
