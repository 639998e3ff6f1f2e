import { Router, type Request, type Response } from 'express';
import { HttpProblem } from '../problem';
import type { RouteContext } from '../route-context';

/**
 * GET /healthz: 200 while the process serves HTTP. It never asks Redis: liveness tied to Redis
 * would have every API pod restarted during a Redis outage, which helps nothing.
 * GET /readyz: 200 when Redis answers PING within REDIS_COMMAND_TIMEOUT_MS, else 503, so a load
 * balancer sends producers to an API that can store their tasks. Both are open without a token, so the
 * 503 says only that Redis is unavailable; the client error (which can quote what a wrong server sent)
 * goes to the log.
 */
export function healthRoutes({ redis, config, logger }: RouteContext): Router {
  const log = logger.child({ component: 'readyz' });
  const router = Router();

  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    try {
      await redis.ping();
    } catch (error) {
      log.warn({ err: error }, 'not ready: Redis did not answer PING');
      throw new HttpProblem(
        'unavailable',
        `Redis did not answer PING within ${config.REDIS_COMMAND_TIMEOUT_MS} ms; this instance cannot store tasks now`,
      );
    }
    res.json({ status: 'ready' });
  });

  return router;
}
