import type { SubmitResult } from '@tq/task';
import { Router, type Request, type Response } from 'express';
import { payloadTooLarge } from '../payload-size';
import { invalidRequest } from '../problem';
import type { RouteContext } from '../route-context';
import { runAtProblems } from '../run-at';

/**
 * POST /tasks (201 + Location; an idempotent replay 200 with Idempotent-Replayed: true),
 * GET /tasks/:id, DELETE /tasks/:id (cancel; 409 when running or finished).
 */
export function taskRoutes({ service, metrics, config, auth, json }: RouteContext): Router {
  const router = Router();

  router.post('/tasks', auth, json, async (req: Request, res: Response) => {
    const runAt = runAtProblems(req.body);
    if (runAt.length > 0) throw invalidRequest(runAt, 'the task');
    let result: SubmitResult;
    try {
      result = await service.submit(req.body, req.get('Idempotency-Key'));
    } catch (error) {
      throw payloadTooLarge(error, config.MAX_PAYLOAD_BYTES);
    }
    const { task, created } = result;
    (created ? metrics.enqueued : metrics.replays).inc({ queue: task.queue });
    res.location(`/tasks/${encodeURIComponent(task.id)}`);
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.status(created ? 201 : 200).json(task);
  });

  router.get('/tasks/:id', auth, async (req: Request, res: Response) => {
    res.json(await service.get(String(req.params.id)));
  });

  router.delete('/tasks/:id', auth, async (req: Request, res: Response) => {
    res.json(await service.cancel(String(req.params.id)));
  });

  return router;
}
