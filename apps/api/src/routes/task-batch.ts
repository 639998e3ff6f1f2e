import type { BatchItemResult, Task } from '@tq/task';
import { Router, type Request, type Response } from 'express';
import type { RejectReason } from '../api-metrics';
import { RETRY_AFTER_SECONDS } from '../error-handler';
import { invalidRequest, problemType, PROBLEMS, type FieldProblem, type ProblemKind } from '../problem';
import type { RouteContext } from '../route-context';

/** One item of a batch answer: the task, or a problem shaped like the API's error bodies. */
export type BatchItem =
  | { index: number; status: 200 | 201; task: Task }
  | { index: number; status: number; type: string; title: string; detail: string; errors?: FieldProblem[] };

const ITEM_PROBLEM: Record<number, [ProblemKind, RejectReason]> = {
  400: ['invalid-request', 'invalid'],
  409: ['conflict', 'conflict'],
  413: ['payload-too-large', 'too_large'],
  429: ['queue-full', 'queue_full'],
};

/**
 * POST /tasks/batch: up to 1000 tasks, each stored or refused on its own. 200 when every item was
 * stored (201) or replayed (200); 207 Multi-Status when at least one was refused. `results` keeps
 * the request's order.
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
    const results = (await service.submitBatch(req.body)).map(toItem);
    let created = 0;
    let replayed = 0;
    for (const item of results) {
      if ('task' in item) {
        if (item.status === 201) created++;
        else replayed++;
        (item.status === 201 ? metrics.enqueued : metrics.replays).inc({ queue: item.task.queue });
      } else {
        metrics.rejected.inc({
          reason: ITEM_PROBLEM[item.status]?.[1] ?? 'invalid',
        });
      }
    }
    const failed = results.length - created - replayed;
    if (results.some((r) => r.status === 429)) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(failed === 0 ? 200 : 207).json({ created, replayed, failed, results });
  });

  return router;
}

function toItem(result: BatchItemResult): BatchItem {
  if ('task' in result) return result;
  const kind: ProblemKind = ITEM_PROBLEM[result.status]?.[0] ?? 'invalid-request';
  const { status, title } = PROBLEMS[kind];
  return {
    index: result.index,
    status,
    type: problemType(kind),
    title,
    detail: result.error,
    ...(result.errors?.length ? { errors: result.errors } : {}),
  };
}
