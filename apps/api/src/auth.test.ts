import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomQueueName } from '@tq/testing';
import { servedRoutes } from './test-support/served-routes';
import { call, startTestApi, type TestApi } from './test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  // A dashboard bundle to serve: its files are open like the probes.
  const dashboard = mkdtempSync(join(tmpdir(), 'tq-auth-ui-'));
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>tq</title>');
  api = await startTestApi({ API_TOKENS: 'first-token, second-token', DASHBOARD_DIR: dashboard });
});
afterAll(() => api.close());

const OPEN = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /ui/{path}']);

describe('bearer auth (API_TOKENS set)', () => {
  it('refuses every served route but /healthz, /readyz, /metrics and the dashboard files without a token: 401 + WWW-Authenticate', async () => {
    const routes = servedRoutes(api.app);
    const queue = randomQueueName();
    for (const { method, path } of routes) {
      const url = path
        .replace('{id}', `${queue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`)
        .replace('{name}', queue)
        .replace('{path}', '');
      const res = await call(api, method, url);
      if (OPEN.has(`${method} ${path}`)) {
        expect([method, path, res.status]).toEqual([method, path, 200]);
      } else {
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tq"');
        expect(res.body).toMatchObject({
          type: 'urn:tq:problem:unauthorized',
          detail: expect.stringContaining('Authorization: Bearer'),
        });
      }
    }
  });

  it('refuses a wrong token, or another scheme, with 401', async () => {
    const body = { type: 'email', queue: randomQueueName() };
    const wrong = await call(api, 'POST', '/tasks', { body, token: 'first-tokem' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer realm="tq", error="invalid_token"/);
    expect(wrong.body.detail).toBe('the bearer token is not valid');
    const basic = await call(api, 'POST', '/tasks', {
      body,
      headers: { authorization: 'Basic Zmlyc3QtdG9rZW46' },
    });
    expect(basic.status).toBe(401);
    expect((await call(api, 'POST', '/tasks', { body, token: 'first-token-and-more' })).status).toBe(401);
    expect((await call(api, 'POST', '/tasks', { body, token: 'first' })).status).toBe(401);
  });

  it('lets any of the tokens through', async () => {
    const queue = randomQueueName();
    expect(
      (await call(api, 'POST', '/tasks', { body: { type: 'email', queue }, token: 'first-token' })).status,
    ).toBe(201);
    expect((await call(api, 'GET', `/queues/${queue}`, { token: 'second-token' })).status).toBe(200);
  });

  it('checks the token before reading the body, and counts the refusal of a submission', async () => {
    const res = await call(api, 'POST', '/tasks', {
      body: 'not json at all',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(401);
    const metrics = await call(api, 'GET', '/metrics');
    expect(metrics.body).toMatch(/^tq_tasks_rejected_total\{reason="unauthorized"\} [1-9]/m);
  });
});
