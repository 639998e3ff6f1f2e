import { Router, type Request, type Response } from 'express';
import type { RouteContext } from '../route-context';

/**
 * GET /stats/history?queue=&minutes=: attempts that ended and failed per minute over the last 24 h at most,
 * for one queue or all of them, kept in Redis (no Prometheus needed).
 */
export function statsRoutes({ service, auth }: RouteContext): Router {
  const router = Router();

  router.get('/stats/history', auth, async (req: Request, res: Response) => {
    res.json(await service.history(req.query));
  });

  return router;
}
