import { TqError } from '@tq/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Logger } from '@tq/ops';
import type { ApiMetrics, RejectReason } from './api-metrics';
import { routeLabel } from './observe-requests';
import { HttpProblem, type FieldProblem } from './problem';
import { isRedisUnavailable } from './redis-errors';

/** Seconds a client should wait before retrying a 429 or 503. */
export const RETRY_AFTER_SECONDS = 1;

/** The routes that submit tasks: their refusals count in tq_tasks_rejected_total. */
const SUBMIT_ROUTES = new Set(['/tasks', '/tasks/batch']);

const REJECT_REASON: Partial<Record<number, RejectReason>> = {
  400: 'invalid',
  401: 'unauthorized',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'queue_full',
  503: 'unavailable',
};

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  metrics: ApiMetrics;
  logger: Logger;
  /** REDIS_COMMAND_TIMEOUT_MS, said in the 503's detail. */
  redisCommandTimeoutMs: number;
}

/**
 * The one place errors become HTTP answers: RFC 9457 `application/problem+json`. HttpProblem as it
 * is; TqError by code (invalid 400, not_found 404, conflict 409, queue_full 429, unavailable 503);
 * Redis not answering in time, or refusing writes (OOM, LOADING, READONLY…), 503; anything else 500,
 * logged through the logger's error serializer (createServer's withSafeErrors: never the arguments an
 * ioredis error carries, the payload).
 */
export function errorHandler({
  metrics,
  logger,
  redisCommandTimeoutMs,
}: ErrorHandlerOptions): ErrorRequestHandler {
  const toProblem = (error: unknown, req: Request): HttpProblem => {
    if (error instanceof HttpProblem) return error;
    if (error instanceof TqError) return fromTqError(error, redisCommandTimeoutMs);
    if (isRedisUnavailable(error)) {
      logger.warn({ route: routeLabel(req), error }, 'redis unavailable');
      return unavailable(redisCommandTimeoutMs);
    }
    // Errors raised by express itself with a client status, e.g. a malformed %-escape in the path.
    const status = (error as { status?: unknown }).status;
    if (status === 400) {
      return new HttpProblem('invalid-request', `the request is invalid: ${(error as Error).message}`);
    }
    logger.error({ route: routeLabel(req), error }, 'request failed');
    return new HttpProblem('internal', 'an unexpected error occurred; it has been logged');
  };

  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error); // express ends the connection
    const problem = toProblem(error, req);
    const reason = REJECT_REASON[problem.status];
    if (reason && req.method === 'POST' && SUBMIT_ROUTES.has(routeLabel(req))) {
      metrics.rejected.inc({ reason });
    }
    res.status(problem.status).set(problem.options.headers ?? {});
    if (problem.options.closeConnection) res.set('Connection', 'close');
    res.type('application/problem+json').send(JSON.stringify(problem.body(req.originalUrl)));
  };
}

function fromTqError(error: TqError, redisCommandTimeoutMs: number): HttpProblem {
  switch (error.code) {
    case 'invalid':
      return new HttpProblem('invalid-request', error.message, {
        errors: error.details?.errors as FieldProblem[] | undefined,
      });
    case 'not_found':
      return new HttpProblem('not-found', error.message);
    case 'conflict':
      return new HttpProblem('conflict', error.message);
    case 'too_large':
      return new HttpProblem('payload-too-large', error.message, {
        errors: error.details?.errors as FieldProblem[] | undefined,
      });
    case 'queue_full':
      return new HttpProblem('queue-full', error.message, {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    case 'unavailable':
      return unavailable(redisCommandTimeoutMs);
  }
}

function unavailable(redisCommandTimeoutMs: number): HttpProblem {
  return new HttpProblem(
    'unavailable',
    `Redis did not answer within ${redisCommandTimeoutMs} ms or cannot take writes now; the request may or may not ` +
      'have taken effect: retry later (a task submission with the same Idempotency-Key, so it is stored once)',
    { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
  );
}
