// A service that embeds the worker runtime with its own handler for the seed task's type.
import { createRedis, createWorker, type Handler } from '@tq/worker';

const email: Handler = async ({ payload, attempt }) => ({
  delivered: payload,
  by: 'scratch-worker',
  attempt,
});

const redis = createRedis(process.env.REDIS_URL!);
const worker = createWorker({ redis, queues: [process.env.QUEUE!], handlers: { email } });
worker
  .start()
  .then(() => console.log(JSON.stringify({ ready: true, core: require.resolve('@tq/core') })))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
process.once('SIGTERM', () => {
  worker
    .stop()
    .then(() => redis.quit())
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
});
