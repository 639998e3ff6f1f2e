import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Router, type Request, type Response, type NextFunction } from 'express';
import { HttpProblem } from '../problem';
import type { RouteContext } from '../route-context';

/** The bundle of this checkout, apps/dashboard/dist, seen from apps/api/dist or apps/api/src. */
const CHECKOUT_BUNDLE = resolve(__dirname, '..', '..', '..', 'dashboard', 'dist');

/**
 * The page itself may load only the bundle's own files, and talk to this API (connect-src 'self')
 * or to the one its config.json names when another static server serves it (that server sets its
 * own headers). No inline script, no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The folder the dashboard is served from: DASHBOARD_DIR, else this checkout's build. */
export function dashboardDir(configured: string): string {
  return configured === '' ? CHECKOUT_BUNDLE : resolve(configured);
}

/**
 * GET /ui/{path}: the dashboard's static files, open like /healthz (they hold no data; every API call
 * the page makes carries the operator's bearer token). GET /ui redirects to /ui/ so the bundle's
 * relative asset paths resolve. Vite names assets by content hash, so assets/ is cached for a year and the rest
 * (index.html, config.json) revalidated on every load, so an upgrade shows at the next reload.
 */
export function dashboardRoutes({ config, authEnabled }: RouteContext): Router {
  const root = dashboardDir(config.DASHBOARD_DIR);
  // The bundle's config.json, answered by the API itself: the page talks to this API (apiUrl null: the
  // parent of /ui/) and knows whether to ask for a token before its first call, so an operator never
  // sees a request fail just to learn that; likewise whether it has a task history to search (DATABASE_URL),
  // so the History page says so without provoking a 404.
  const pageConfig = { apiUrl: null, authRequired: authEnabled, history: config.DATABASE_URL !== '' };
  const headers = (cacheControl: string) => ({
    'Cache-Control': cacheControl,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  const router = Router();

  // One route for /ui and /ui/...: express matches paths without regard to a trailing slash, so a
  // separate /ui route would also catch /ui/.
  router.get('/ui{/*path}', function serveDashboard(req: Request, res: Response, next: NextFunction) {
    if (req.path === '/ui') {
      // Relative, so a reverse proxy's path prefix (/tq/ui -> /tq/ui/) is kept.
      res.redirect(301, 'ui/');
      return;
    }
    if (!existsSync(join(root, 'index.html'))) {
      throw new HttpProblem(
        'not-found',
        `the dashboard is not built: run "pnpm --filter @tq/dashboard build", or set DASHBOARD_DIR to a folder with its index.html`,
      );
    }
    const segments = (req.params as { path?: string[] }).path ?? [];
    const file = segments.length === 0 ? 'index.html' : segments.join('/');
    if (file === 'config.json') {
      res.set(headers('no-cache')).json(pageConfig);
      return;
    }
    const immutable = segments[0] === 'assets';
    res.sendFile(
      file,
      {
        root,
        dotfiles: 'deny',
        cacheControl: false,
        etag: !immutable,
        lastModified: !immutable,
        headers: headers(immutable ? 'public, max-age=31536000, immutable' : 'no-cache'),
      },
      (error?: Error & { status?: number }) => {
        if (!error) return;
        if (error.status === 404 || error.status === 403) {
          next(new HttpProblem('not-found', `the dashboard has no file ${file}`));
        } else if (!res.headersSent) next(error);
      },
    );
  });

  return router;
}
