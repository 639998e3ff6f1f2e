import { Router, type Request, type Response } from 'express';
import { queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * GET /queues/:name/tasks?state=&limit=&cursor=&type=: one page of the queue's tasks in a state, as
 * summaries, with the cursor of the next page (docs/api.md, ADR 0015).
 */
export function queueTaskRoutes({ service, auth }: RouteContext): Router {
  const router = Router();

  router.get('/queues/:name/tasks', auth, async (req: Request, res: Response) => {
    res.json(await service.listTasks(queueNameParam(req), req.query));
  });

  return router;
}
