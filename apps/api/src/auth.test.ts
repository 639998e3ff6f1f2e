import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomQueueName } from '@tq/testing';
import { servedAccess, servedRoutes } from './test-support/served-routes';
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

describe('token scopes (API_TOKENS admin, API_PRODUCER_TOKENS producer)', () => {
  let scoped: TestApi;
  beforeAll(async () => {
    scoped = await startTestApi({
      API_TOKENS: 'ops:admin-token, second-admin-token',
      API_PRODUCER_TOKENS: 'billing:producer-token',
    });
  });
  afterAll(() => scoped.close());

  const submit = async (queue: string, token: string) => {
    const res = await call(scoped, 'POST', '/tasks', { body: { type: 'email', queue }, token });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('a producer token submits and reads; every admin route answers it 403 and changes nothing', async () => {
    const queue = randomQueueName();
    const id = await submit(queue, 'producer-token');
    for (const path of [
      `/tasks/${id}`,
      `/queues/${queue}`,
      `/queues/${queue}/tasks?state=pending`,
      '/workers',
    ]) {
      expect([path, (await call(scoped, 'GET', path, { token: 'producer-token' })).status]).toEqual([
        path,
        200,
      ]);
    }
    const adminRoutes = servedRoutes(scoped.app).filter((r) => servedAccess(r) === 'admin');
    expect(adminRoutes.length).toBeGreaterThanOrEqual(5);
    for (const { method, path } of adminRoutes) {
      const url = path.replace('{id}', id).replace('{name}', queue);
      const res = await call(scoped, method, url, { token: 'producer-token' });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect(res.body).toMatchObject({
        type: 'urn:tq:problem:forbidden',
        detail:
          'this route needs an admin token (API_TOKENS); "billing" is a producer token, which may submit and read only',
      });
    }
    expect((await call(scoped, 'GET', `/tasks/${id}`, { token: 'producer-token' })).body.status).toBe(
      'pending',
    );
    expect((await call(scoped, 'GET', `/queues/${queue}`, { token: 'producer-token' })).body.paused).toBe(
      false,
    );
  });

  it('an admin token does everything, and each admin action is logged with the token name, never the token', async () => {
    const queue = randomQueueName();
    const id = await submit(queue, 'admin-token');
    expect((await call(scoped, 'POST', `/queues/${queue}/pause`, { token: 'admin-token' })).status).toBe(200);
    expect((await call(scoped, 'DELETE', `/tasks/${id}`, { token: 'second-admin-token' })).status).toBe(200);
    expect((await call(scoped, 'DELETE', `/queues/${queue}/dead`, { token: 'admin-token' })).status).toBe(
      200,
    );

    const audit = scoped.logs.filter(
      (l) => l.component === 'audit' && JSON.stringify(l.params).includes(queue),
    );
    expect(audit).toEqual([
      expect.objectContaining({
        msg: 'admin action',
        token: 'ops',
        method: 'POST',
        route: '/queues/:name/pause',
        params: { name: queue },
        status: 200,
      }),
      expect.objectContaining({
        token: 'admin-2',
        method: 'DELETE',
        route: '/tasks/:id',
        params: { id },
        status: 200,
      }),
      expect.objectContaining({
        token: 'ops',
        route: '/queues/:name/dead',
        ids: 'all',
        purged: 0,
        status: 200,
      }),
    ]);
    const refused = scoped.logs.filter((l) => l.msg === 'admin action refused: producer token');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ component: 'audit', token: 'billing' });
    expect(JSON.stringify(scoped.logs)).not.toMatch(/admin-token|producer-token/);
  });
});

describe('auth off (no token configured)', () => {
  it('lets everyone do everything and logs admin actions as anonymous', async () => {
    const open = await startTestApi();
    try {
      const queue = randomQueueName();
      expect((await call(open, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
      expect((await call(open, 'POST', `/queues/${queue}/pause`)).status).toBe(200);
      expect(open.logs).toContainEqual(
        expect.objectContaining({ component: 'audit', token: 'anonymous', route: '/queues/:name/pause' }),
      );
    } finally {
      await open.close();
    }
  });
});
