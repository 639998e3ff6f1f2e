import { Router, type Request, type Response } from 'express';
import type { RouteContext } from '../route-context';
import { sendJson } from '../send-json';

/**
 * POST /tasks (201 + Location; an idempotent replay 200 with Idempotent-Replayed: true),
 * GET /tasks/:id (from Redis, else the task history: `source` says which), GET /tasks (a search of the task
 * history; 404 without DATABASE_URL), DELETE /tasks/:id (cancel; 409 when running or finished).
 */
export function taskRoutes({ service, metrics, auth, admin, json }: RouteContext): Router {
  const router = Router();

  router.post('/tasks', auth, json, async (req: Request, res: Response) => {
    const { task, created } = await service.submit(
      req.body,
      req.get('Idempotency-Key'),
      req.get('traceparent'),
    );
    metrics.submitted(task.queue, created);
    // A task id is URL-safe already (letters, digits, _ - .), so this is what res.location would set.
    res.setHeader('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    sendJson(res, created ? 201 : 200, task);
  });

  router.get('/tasks', auth, async (req: Request, res: Response) => {
    res.json(await service.searchHistory(req.query));
  });

  router.get('/tasks/:id', auth, async (req: Request, res: Response) => {
    res.json(await service.get(String(req.params.id)));
  });

  router.delete('/tasks/:id', admin, async (req: Request, res: Response) => {
    res.json(await service.cancel(String(req.params.id)));
  });

  return router;
}
