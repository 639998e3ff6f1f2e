import type { QueueLimits } from '@tq/core';
import { Router, type Request, type Response } from 'express';
import { queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * A queue's limits and fair groups (docs/scheduling.md): PUT /queues/:name/limits replaces the rate,
 * concurrency and group concurrency limits (admin), GET /queues/:name/limits reads them, and
 * GET /queues/:name/groups?limit= lists the groups with the most pending tasks.
 */
export function queueLimitRoutes({ service, auth, admin, json }: RouteContext): Router {
  const router = Router();

  router.put('/queues/:name/limits', admin, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    res.json(toLimitsView(name, await service.setLimits(name, req.body)));
  });

  router.get('/queues/:name/limits', auth, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    res.json(toLimitsView(name, await service.limits(name)));
  });

  router.get('/queues/:name/groups', auth, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    res.json({ queue: name, ...(await service.listGroups(name, req.query)) });
  });

  return router;
}

/** A queue's limits as the API shows them: every limit, null when the queue has none. */
function toLimitsView(
  queue: string,
  limits: QueueLimits,
): {
  queue: string;
  rate: { max: number; periodMs: number } | null;
  concurrency: number | null;
  groupConcurrency: number | null;
} {
  return {
    queue,
    rate: limits.rate ?? null,
    concurrency: limits.concurrency ?? null,
    groupConcurrency: limits.groupConcurrency ?? null,
  };
}
