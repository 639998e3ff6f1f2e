import { Router, type Request, type Response } from 'express';
import { audit } from '../auth';
import { deadIdsParam, queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * The dead letters of a queue: GET /queues/:name/dead (a page, newest first: the same as
 * GET /queues/:name/tasks?state=dead),
 * POST /queues/:name/dead/requeue (the redrive: the given ids, or all, back to pending with fresh
 * attempts), DELETE /queues/:name/dead (purge the given ids, or all).
 */
export function deadLetterRoutes({ service, auth, admin, json }: RouteContext): Router {
  const router = Router();

  router.get('/queues/:name/dead', auth, async (req: Request, res: Response) => {
    res.json(await service.listTasks(queueNameParam(req), { ...req.query, state: 'dead' }));
  });

  router.post('/queues/:name/dead/requeue', admin, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    const ids = deadIdsParam(req, name);
    const result = await service.requeueDead(name, ids);
    audit(res, { ids: ids?.length ?? 'all', requeued: result.requeued.length });
    res.json(result);
  });

  router.delete('/queues/:name/dead', admin, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    const ids = deadIdsParam(req, name);
    const purged = await service.purgeDead(name, ids);
    audit(res, { ids: ids?.length ?? 'all', purged });
    res.json({ purged });
  });

  return router;
}
