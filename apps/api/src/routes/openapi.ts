import { Router, type Request, type Response } from 'express';
import { openApiDocument } from '../openapi';
import type { RouteContext } from '../route-context';

/** GET /openapi.json: the OpenAPI 3.1 description of every route. */
export function openApiRoutes({ auth }: RouteContext): Router {
  const router = Router();
  router.get('/openapi.json', auth, (_req: Request, res: Response) => {
    res.json(openApiDocument);
  });
  return router;
}
