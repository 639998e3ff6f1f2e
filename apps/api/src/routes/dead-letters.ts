import { Router, type Request, type Response } from 'express';
import { deadIdsParam, queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * The dead letters of a queue: GET /queues/:name/dead (a page, newest first: the same as
 * GET /queues/:name/tasks?state=dead),
 * POST /queues/:name/dead/requeue (the redrive: the given ids, or all, back to pending with fresh
 * attempts), DELETE /queues/:name/dead (purge the given ids, or all).
 */
export function deadLetterRoutes({ service, auth, json }: RouteContext): Router {
  const router = Router();

  router.get('/queues/:name/dead', auth, async (req: Request, res: Response) => {
    res.json(await service.listTasks(queueNameParam(req), { ...req.query, state: 'dead' }));
  });

  router.post('/queues/:name/dead/requeue', auth, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    res.json(await service.requeueDead(name, deadIdsParam(req, name)));
  });

  router.delete('/queues/:name/dead', auth, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    res.json({ purged: await service.purgeDead(name, deadIdsParam(req, name)) });
  });

  return router;
}
