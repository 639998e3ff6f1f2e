import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { ApiMetrics } from './api-metrics';

/** The status recorded for a request whose client went away before the answer (nginx's convention). */
const CLIENT_CLOSED = 499;

/** The route label: the express pattern that matched (e.g. /tasks/:id), or "unmatched" (bounded). */
export function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : 'unmatched';
}

/**
 * Counts and times every request (tq_http_requests_total, tq_http_request_duration_seconds) and logs
 * one line per request at info: method, route, status, ms. Never the body or the payload.
 */
export function observeRequests(metrics: ApiMetrics, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    // 'close' comes after 'finish' when the answer was sent (on the next tick), and alone when the client
    // went away first: one listener sees both ends.
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const aborted = !res.writableFinished;
      const status = aborted ? CLIENT_CLOSED : res.statusCode;
      const route = routeLabel(req);
      const labels = { route, method: req.method, status: String(status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      const ms = Math.round(seconds * 10_000) / 10;
      logger.info({ method: req.method, route, status, ms, ...(aborted ? { aborted } : {}) }, 'request');
    });
    next();
  };
}
