import { Router, type Request, type Response } from 'express';
import { audit } from '../auth';
import { queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * An operator's task actions (admin tokens; ADR 0019), each checked against the task's state by one script:
 * POST /tasks/:id/run (a scheduled or retry task now), POST /tasks/:id/retry (a dead task, fresh attempts),
 * POST /tasks/:id/cancel (pending, scheduled, retry: 200 canceled; running: 202, the worker ends it at its
 * next lease extension), DELETE /tasks/:id/record (a finished task, in Redis and the task history), and
 * POST /queues/:name/tasks/actions (one action on many tasks: by ids, or one page of a state). A refusal is
 * a 409 that says the task's state and what to do. DELETE /tasks/:id (tasks.ts) keeps its meaning: cancel a
 * task that is not running.
 */
export function taskActionRoutes({ service, admin, json }: RouteContext): Router {
  const router = Router();

  router.post('/tasks/:id/run', admin, async (req: Request, res: Response) => {
    const task = await service.runTask(String(req.params.id));
    audit(res, { action: 'run' });
    res.json(task);
  });

  router.post('/tasks/:id/retry', admin, async (req: Request, res: Response) => {
    const task = await service.retryTask(String(req.params.id));
    audit(res, { action: 'retry' });
    res.json(task);
  });

  router.post('/tasks/:id/cancel', admin, async (req: Request, res: Response) => {
    const { task, requested } = await service.cancelTask(String(req.params.id));
    audit(res, { action: 'cancel', cancelRequested: requested });
    res.status(requested ? 202 : 200).json(task);
  });

  router.delete('/tasks/:id/record', admin, async (req: Request, res: Response) => {
    const deleted = await service.deleteFinished(String(req.params.id));
    audit(res, { action: 'delete', redis: deleted.redis, archive: deleted.archive });
    res.json(deleted);
  });

  router.post('/queues/:name/tasks/actions', admin, json, async (req: Request, res: Response) => {
    const outcome = await service.bulkAction(queueNameParam(req), req.body);
    audit(res, {
      action: outcome.action,
      state: outcome.state,
      applied: outcome.applied.length,
      cancelRequested: outcome.cancelRequested.length,
      refused: outcome.refused.length,
    });
    res.json(outcome);
  });

  return router;
}
