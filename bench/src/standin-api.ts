/**
 * Used only while apps/api is not built: `POST /tasks` and `POST /tasks/batch` on express 5 straight over
 * TaskService, so scenario 2 still measures tq's enqueue path over HTTP. Env: PORT, REDIS_URL.
 */
import { createRedis } from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import express from 'express';

async function main(): Promise<void> {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    connectionName: 'bench-standin-api',
  });
  const service = new TaskService(new TaskRepository(redis));
  const app = express();
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.post('/tasks', express.json({ limit: '2mb' }), async (req, res) => {
    const { task, created } = await service.submit(req.body, req.get('Idempotency-Key'));
    res.status(created ? 201 : 200).json(task);
  });
  app.post('/tasks/batch', express.json({ limit: '8mb' }), async (req, res) => {
    const results = await service.submitBatch(req.body);
    res.status(results.every((r) => 'task' in r) ? 200 : 207).json({ results });
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  await Promise.resolve();
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    redis.disconnect();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
