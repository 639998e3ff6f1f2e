/**
 * The HTTP reference (scenario 2): a bare express 5 app whose one route parses the JSON body and runs one
 * trivial script with EVALSHA (an LPUSH), answering 201. What any Redis-backed `POST /tasks` must cost at
 * least, on the same machine, under the same load generator. Env: PORT, REDIS_URL.
 */
import express from 'express';
import { Redis } from 'ioredis';

const SCRIPT = "return redis.call('LPUSH', KEYS[1], ARGV[1])";

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const sha = String(await redis.script('LOAD', SCRIPT));
  const app = express();
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.post('/tasks', express.json(), async (req, res) => {
    await redis.evalsha(sha, 1, 'ref:list', JSON.stringify(req.body));
    res.status(201).json({ ok: true });
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
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
