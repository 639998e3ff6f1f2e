import { Router, type Request, type Response } from 'express';
import type { RouteContext } from '../route-context';

/** GET /workers?queue=&limit=: the live workers, from the heartbeats they write (ADR 0016). */
export function workerRoutes({ service, auth }: RouteContext): Router {
  const router = Router();

  router.get('/workers', auth, async (req: Request, res: Response) => {
    res.json(await service.listWorkers(req.query));
  });

  return router;
}
