import { TqError, isRedisUnavailable } from '@tq/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Logger } from '@tq/ops';
import type { ApiMetrics } from './api-metrics';
import { routeLabel } from './observe-requests';
import { HttpProblem, PROBLEMS, PROBLEM_OF_CODE, type FieldProblem } from './problem';

/** The routes that submit tasks: their refusals count in tq_tasks_rejected_total. */
const SUBMIT_ROUTES = new Set(['/tasks', '/tasks/batch']);

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  metrics: ApiMetrics;
  logger: Logger;
  /** REDIS_COMMAND_TIMEOUT_MS, said in the 503's detail. */
  redisCommandTimeoutMs: number;
}

/**
 * The one place errors become HTTP answers: RFC 9457 `application/problem+json`. HttpProblem as it
 * is; TqError by its code through PROBLEM_OF_CODE (the one code → problem table); Redis not answering in
 * time, or refusing writes (OOM, LOADING, READONLY…), 503; anything else 500, logged through the logger's
 * error serializer (createServer's withSafeErrors: never the arguments an ioredis error carries, the payload).
 */
export function errorHandler({
  metrics,
  logger,
  redisCommandTimeoutMs,
}: ErrorHandlerOptions): ErrorRequestHandler {
  const toProblem = (error: unknown, req: Request): HttpProblem =>
    problemOf(error, { logger, redisCommandTimeoutMs }, { route: routeLabel(req) });

  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error); // express ends the connection
    const problem = toProblem(error, req);
    const { reason } = PROBLEMS[problem.kind];
    if (reason && req.method === 'POST' && SUBMIT_ROUTES.has(routeLabel(req))) {
      metrics.rejected.inc({ reason });
    }
    res.status(problem.status).set(problem.headers());
    if (problem.options.closeConnection) res.set('Connection', 'close');
    res.type('application/problem+json').send(JSON.stringify(problem.body(req.originalUrl)));
  };
}

/**
 * The problem an error is answered with, over HTTP and gRPC alike: HttpProblem as it is; TqError by its code
 * (PROBLEM_OF_CODE); Redis not answering in time or refusing writes, `unavailable` (logged as a warning);
 * anything else `internal`, logged through the logger's error serializer. `where` (a route or a gRPC method)
 * goes into those log lines.
 */
export function problemOf(
  error: unknown,
  { logger, redisCommandTimeoutMs }: Pick<ErrorHandlerOptions, 'logger' | 'redisCommandTimeoutMs'>,
  where: Record<string, string>,
): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof TqError) return fromTqError(error);
  if (isRedisUnavailable(error)) {
    logger.warn({ ...where, error }, 'redis unavailable');
    return unavailable(redisCommandTimeoutMs);
  }
  // Errors raised by express itself with a client status, e.g. a malformed %-escape in the path.
  const status = (error as { status?: unknown }).status;
  if (status === 400) {
    return new HttpProblem('invalid-request', `the request is invalid: ${(error as Error).message}`);
  }
  logger.error({ ...where, error }, 'request failed');
  return new HttpProblem('internal', 'an unexpected error occurred; it has been logged');
}

/** A TqError as the problem its code maps to, with its message as the detail. */
export function fromTqError(error: TqError): HttpProblem {
  return new HttpProblem(PROBLEM_OF_CODE[error.code], error.message, {
    errors: error.details?.errors as FieldProblem[] | undefined,
  });
}

function unavailable(redisCommandTimeoutMs: number): HttpProblem {
  return new HttpProblem(
    'unavailable',
    `Redis did not answer within ${redisCommandTimeoutMs} ms or cannot take writes now; the request may or may not ` +
      'have taken effect: retry later (a task submission with the same Idempotency-Key, so it is stored once)',
  );
}
