import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from './openapi';
import { documentedRoutes, routeDifferences, servedAccess, servedRoutes } from './test-support/served-routes';
import { call, startTestApi, type TestApi } from './test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: 'secret-token' });
});
afterAll(() => api.close());

const OPEN_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /ui/{path}'];

describe('the OpenAPI document', () => {
  it('documents exactly the routes the app serves, with the same auth', () => {
    const served = servedRoutes(api.app);
    expect(served.length).toBeGreaterThanOrEqual(15); // the walk found the routers
    expect(routeDifferences(served, documentedRoutes(openApiDocument))).toEqual([]);
    expect(
      served
        .filter((r) => servedAccess(r) === 'open')
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual([...OPEN_ROUTES].sort());
    // Every route that changes queues or tasks, submitting aside, needs an admin token.
    for (const r of served) {
      const changes = r.method !== 'GET' && !['/tasks', '/tasks/batch'].includes(r.path);
      expect([r.method, r.path, servedAccess(r)]).toEqual([
        r.method,
        r.path,
        changes ? 'admin' : servedAccess(r),
      ]);
    }
  });

  it('the check fails when a route is missing on either side or its auth differs', () => {
    const served = servedRoutes(api.app);
    const documented = documentedRoutes(openApiDocument);
    const withoutCancel = documented.filter((d) => !(d.method === 'DELETE' && d.path === '/tasks/{id}'));
    expect(routeDifferences(served, withoutCancel)).toEqual([
      'served but not documented: DELETE /tasks/{id}',
    ]);
    expect(
      routeDifferences(served, [...documented, { method: 'PUT', path: '/tasks/{id}', access: 'token' }]),
    ).toEqual(['documented but not served: PUT /tasks/{id}']);
    const openQueues = documented.map((d) => (d.path === '/queues' ? { ...d, access: 'open' as const } : d));
    expect(routeDifferences(served, openQueues)).toEqual([
      'GET /queues: served as token but documented as open',
    ]);
    const producerPause = documented.map((d) =>
      d.path === '/queues/{name}/pause' ? { ...d, access: 'token' as const } : d,
    );
    expect(routeDifferences(served, producerPause)).toEqual([
      'POST /queues/{name}/pause: served as admin but documented as token',
    ]);
  });

  it('is served at GET /openapi.json as OpenAPI 3.1, every operation with an id and responses', async () => {
    const res = await call(api, 'GET', '/openapi.json', { token: 'secret-token' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(res.body.openapi).toBe('3.1.0');
    const text = JSON.stringify(res.body);
    for (const [, name] of text.matchAll(/"#\/components\/(?:schemas|responses|parameters)\/(\w+)"/g)) {
      const c = res.body.components as Record<'schemas' | 'responses' | 'parameters', object>;
      expect([name, name! in c.schemas || name! in c.responses || name! in c.parameters]).toEqual([
        name,
        true,
      ]);
    }
    for (const route of documentedRoutes(openApiDocument)) {
      const op = res.body.paths[route.path][route.method.toLowerCase()] as {
        operationId: unknown;
        responses: object;
      };
      expect(op.operationId).toEqual(expect.any(String));
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      if (route.access !== 'open') expect(op.responses).toHaveProperty('401');
      if (route.access === 'admin') expect(op.responses).toHaveProperty('403');
    }
  });

  it('is checked in as openapi.json, the file the linter and the client types are made from', () => {
    const file = readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8');
    // When this fails: pnpm --filter @tq/api build && pnpm --filter @tq/api openapi:write
    expect(JSON.parse(file)).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});
