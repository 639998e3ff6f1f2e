import { Router, type Request, type Response } from 'express';
import { toQueueView } from '../queue-view';
import { queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';

/**
 * GET /queues, GET /queues/:name (counts per state, oldest pending age, paused),
 * POST /queues/:name/pause and /resume (workers stop or resume claiming; enqueueing goes on),
 * DELETE /queues/:name (a queue that holds no task: 204; 409 with the counts otherwise),
 * PUT /queues/:name {"partitions": N} (creates a queue of N partitions: 201; the same count again: 200;
 * another count: 409; docs/scaling.md), POST /queues/:name/resize {"partitions": N} (ADR 0043: adds
 * partitions online, drains removed ones; the same count again removes those drained; 409 while the last
 * resize settles).
 * A queue exists once it has received a task or was created; others are 404.
 */
export function queueRoutes({ service, auth, admin, json }: RouteContext): Router {
  const router = Router();

  router.get('/queues', auth, async (_req: Request, res: Response) => {
    res.json({ queues: (await service.listQueues()).map(toQueueView) });
  });

  router.get('/queues/:name', auth, async (req: Request, res: Response) => {
    res.json(toQueueView(await service.queueStats(queueNameParam(req))));
  });

  router.put('/queues/:name', admin, json, async (req: Request, res: Response) => {
    const { stats, created } = await service.createQueue(queueNameParam(req), req.body);
    res.status(created ? 201 : 200).json(toQueueView(stats));
  });

  router.post('/queues/:name/resize', admin, json, async (req: Request, res: Response) => {
    res.json(toQueueView(await service.resizeQueue(queueNameParam(req), req.body)));
  });

  router.delete('/queues/:name', admin, async (req: Request, res: Response) => {
    await service.deleteQueue(queueNameParam(req));
    res.status(204).end();
  });

  router.post('/queues/:name/pause', admin, async (req: Request, res: Response) => {
    res.json(toQueueView(await service.pause(queueNameParam(req))));
  });

  router.post('/queues/:name/resume', admin, async (req: Request, res: Response) => {
    res.json(toQueueView(await service.resume(queueNameParam(req))));
  });

  return router;
}
