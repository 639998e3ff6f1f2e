import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

const TOKEN = 'dashboard-test-token';
let bundle: string;
let api: TestApi;

beforeAll(async () => {
  // A stand-in bundle with the layout Vite writes: index.html, config.json, hashed assets/.
  bundle = mkdtempSync(join(tmpdir(), 'tq-dashboard-'));
  mkdirSync(join(bundle, 'assets'));
  writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>tq dashboard</title>');
  writeFileSync(join(bundle, 'config.json'), '{ "apiUrl": null }');
  writeFileSync(join(bundle, 'assets', 'index-abc123.js'), 'console.log("tq")');
  writeFileSync(join(bundle, '.secret'), 'not for the web');
  api = await startTestApi({
    API_TOKENS: TOKEN,
    DASHBOARD_DIR: bundle,
    CORS_ORIGINS: 'http://ops.example:8000',
  });
});
afterAll(async () => {
  await api.close();
  rmSync(bundle, { recursive: true, force: true });
});

describe('the dashboard at /ui/', () => {
  it('serves index.html without a token, revalidated on every load, under a strict CSP', async () => {
    const res = await call(api, 'GET', '/ui/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('<title>tq dashboard</title>');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('caches hashed assets for a year; answers config.json itself, saying a token is needed', async () => {
    const asset = await call(api, 'GET', '/ui/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const config = await call(api, 'GET', '/ui/config.json');
    // The file on disk is not what is served: the API knows its own auth setting.
    expect(config).toMatchObject({ status: 200, body: { apiUrl: null, authRequired: true, history: false } });
    expect(config.headers.get('cache-control')).toBe('no-cache');
  });

  it('redirects /ui to ui/ (relative, so a proxy prefix survives)', async () => {
    const res = await fetch(`${api.url}/ui`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('ui/');
  });

  it('answers 404 problems for missing files, dotfiles and paths out of the folder', async () => {
    for (const path of [
      '/ui/nope.js',
      '/ui/.secret',
      '/ui/%2e%2e/package.json',
      '/ui/assets/..%2f..%2fetc%2fpasswd',
    ]) {
      const res = await call(api, 'GET', path);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        404,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    }
  });

  it('still asks for the token on every API route', async () => {
    expect((await call(api, 'GET', '/queues')).status).toBe(401);
    expect((await call(api, 'GET', '/queues', { token: TOKEN })).status).toBe(200);
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/queues`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('http://ops.example:8000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://ops.example:8000');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight('http://elsewhere.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${api.url}/queues`, {
      headers: { origin: 'http://ops.example:8000', authorization: `Bearer ${TOKEN}` },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('http://ops.example:8000');
  });
});

describe('without a built dashboard', () => {
  it('answers /ui/ with a 404 that says how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tq-no-dashboard-'));
    const bare = await startTestApi({ DASHBOARD_DIR: empty });
    try {
      const res = await call(bare, 'GET', '/ui/');
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(/pnpm --filter @tq\/dashboard build.*DASHBOARD_DIR/);
      expect((await call(bare, 'GET', '/ui/config.json')).status).toBe(404);
      // No CORS_ORIGINS: no CORS headers at all.
      const get = await fetch(`${bare.url}/queues`, { headers: { origin: 'http://ops.example:8000' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
