import type { BatchItemResult, Task } from '@tq/task';
import { Router, type Request, type Response } from 'express';
import {
  HttpProblem,
  PROBLEMS,
  PROBLEM_OF_CODE,
  RETRY_AFTER_SECONDS,
  invalidRequest,
  type FieldProblem,
} from '../problem';
import type { RouteContext } from '../route-context';

/** One item of a batch answer: the task, or a problem shaped like the API's error bodies. */
export type BatchItem =
  | { index: number; status: 200 | 201; task: Task }
  | { index: number; status: number; type: string; title: string; detail: string; errors?: FieldProblem[] };

/**
 * POST /tasks/batch: up to 1000 tasks, each stored or refused on its own. 200 when every item was
 * stored (201) or replayed (200); 207 Multi-Status when at least one was refused. `results` keeps
 * the request's order. A refused item is the problem its error code maps to (PROBLEM_OF_CODE), as
 * `POST /tasks` would answer it.
 */
export function taskBatchRoutes({ service, metrics, auth, json }: RouteContext): Router {
  const router = Router();

  router.post('/tasks/batch', auth, json, async (req: Request, res: Response) => {
    if (req.get('Idempotency-Key') !== undefined) {
      throw invalidRequest([
        {
          field: 'Idempotency-Key',
          message: 'a batch takes no Idempotency-Key header: give each task its own idempotencyKey field',
        },
      ]);
    }
    let created = 0;
    let replayed = 0;
    let retryAfter = false;
    const results = (await service.submitBatch(req.body)).map((result): BatchItem => {
      if ('task' in result) {
        if (result.created) created++;
        else replayed++;
        metrics.submitted(result.task.queue, result.created);
        return { index: result.index, status: result.created ? 201 : 200, task: result.task };
      }
      const problem = toProblem(result);
      const { reason, retryAfter: retry } = PROBLEMS[problem.kind];
      metrics.rejected.inc({ reason: reason ?? 'invalid' });
      retryAfter ||= retry === true;
      const { instance: _instance, ...body } = problem.body();
      return { index: result.index, ...body };
    });
    const failed = results.length - created - replayed;
    if (retryAfter) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(failed === 0 ? 200 : 207).json({ created, replayed, failed, results });
  });

  return router;
}

function toProblem(result: Extract<BatchItemResult, { code: unknown }>): HttpProblem {
  return new HttpProblem(PROBLEM_OF_CODE[result.code], result.message, { errors: result.errors });
}
