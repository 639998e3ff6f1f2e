import { Router, type Request, type Response } from 'express';
import type { RouteContext } from '../route-context';

/**
 * Cron schedules (docs/scheduling.md): POST /schedules, GET /schedules (a page by id), GET /schedules/:id
 * (with its next runs), PATCH /schedules/:id (pause, resume, change), DELETE /schedules/:id. Reading takes
 * any token; changing takes an admin token. Validation is the task service's: this only maps.
 */
export function scheduleRoutes({ service, auth, admin, json }: RouteContext): Router {
  const router = Router();

  router.post('/schedules', admin, json, async (req: Request, res: Response) => {
    const schedule = await service.schedules.create(req.body);
    res
      .status(201)
      .location(`/schedules/${encodeURIComponent(schedule.id)}`)
      .json(schedule);
  });

  router.get('/schedules', auth, async (req: Request, res: Response) => {
    res.json(await service.schedules.list(req.query));
  });

  router.get('/schedules/:id', auth, async (req: Request, res: Response) => {
    res.json(await service.schedules.get(String(req.params.id), req.query));
  });

  router.patch('/schedules/:id', admin, json, async (req: Request, res: Response) => {
    res.json(await service.schedules.update(String(req.params.id), req.body));
  });

  router.delete('/schedules/:id', admin, async (req: Request, res: Response) => {
    await service.schedules.delete(String(req.params.id));
    res.status(204).end();
  });

  return router;
}
