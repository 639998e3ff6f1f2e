import { Router, type Request, type Response } from 'express';
import type { RouteContext } from '../route-context';

/** GET /metrics: the Prometheus text format of the API's registry. Open without a token, for scrapers. */
export function metricsRoutes({ registry }: RouteContext): Router {
  const router = Router();
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
