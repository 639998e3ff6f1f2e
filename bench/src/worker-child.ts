/**
 * A worker process the harness controls: BullMQ, bee-queue, or tq through @tq/worker's createWorker (or,
 * while apps/worker is not built, a minimal loop on @tq/core). It says `ready` once connected, consumes
 * after `go` (tq: at once, the harness pauses and resumes the queue instead), and exits on `stop`.
 *
 * Env: BENCH_SYSTEM (bullmq | bee | tq-lib | tq-core), BENCH_QUEUE, BENCH_CONCURRENCY, REDIS_URL,
 * BENCH_TQ_CLAIM_BATCH (tq-lib only).
 */
import { Queue, createRedis } from '@tq/core';
import { BenchHandler } from './bench-handler';
import { sendToHarness, watchAcks } from './ipc';
import { BEE_WORKER_SETTINGS, BULLMQ_WORKER_SETTINGS, loadBeeQueue, redisHostPort } from './peers';
import { loadTqWorker } from './tq-app';
import { CoreLoopWorker } from './tq-core-loop';

interface Running {
  go(): void;
  stop(): Promise<void>;
}

const probe = new BenchHandler();
const system = process.env.BENCH_SYSTEM ?? '';
const queue = process.env.BENCH_QUEUE ?? 'bench';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 1);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function startBullmq(): Promise<Running> {
  const { Worker } = await import('bullmq');
  const worker = new Worker(
    queue,
    (job) => {
      probe.onTask(job.data, job.id);
      return Promise.resolve();
    },
    {
      connection: { ...redisHostPort(redisUrl), maxRetriesPerRequest: null },
      autorun: false,
      concurrency,
      ...(process.env.BENCH_BULLMQ_KEEP_COMPLETED === '1' ? {} : BULLMQ_WORKER_SETTINGS),
    },
  );
  worker.on('error', (error) => sendToHarness({ type: 'error', message: String(error) }));
  // Emitted once moveToCompleted has answered: the completion is acknowledged.
  worker.on('completed', (job) => probe.onAcked(job.id!));
  await worker.waitUntilReady();
  const go = (): void => {
    worker.run().catch((error: unknown) => sendToHarness({ type: 'error', message: String(error) }));
  };
  return { go, stop: () => worker.close() };
}

async function startBee(): Promise<Running> {
  const BeeQueue = loadBeeQueue();
  const bee = new BeeQueue(queue, { redis: redisHostPort(redisUrl), ...BEE_WORKER_SETTINGS });
  bee.on('error', (error) => sendToHarness({ type: 'error', message: String(error) }));
  // A local event, emitted once the finish script has answered: the completion is acknowledged.
  bee.on('succeeded', (job) => probe.onAcked(String(job.id)));
  await bee.ready();
  return {
    go: () =>
      bee.process(concurrency, (job) => {
        probe.onTask(job.data, String(job.id));
        return Promise.resolve();
      }),
    stop: () => bee.close(5000),
  };
}

async function startTqLib(): Promise<Running> {
  const tqWorker = loadTqWorker();
  const redis = createRedis(redisUrl, { connectionName: 'bench-tq-worker' });
  watchAcks(redis, queue, (id) => probe.onAcked(id));
  const worker = tqWorker.createWorker({
    redis,
    queues: [queue],
    concurrency,
    claimBatch: Number(process.env.BENCH_TQ_CLAIM_BATCH ?? 20),
    handlers: {
      noop: (ctx: { payload: unknown; id: string }) => {
        probe.onTask(ctx.payload, ctx.id);
        return Promise.resolve();
      },
    },
  });
  await worker.start();
  return {
    go: () => undefined,
    stop: async () => {
      await worker.stop();
      await redis.quit();
    },
  };
}

async function startTqCore(): Promise<Running> {
  const redis = createRedis(redisUrl, { connectionName: 'bench-tq-core-loop' });
  const subscriber = createRedis(redisUrl, { connectionName: 'bench-tq-core-loop-sub' });
  const worker = new CoreLoopWorker(new Queue(redis, queue), subscriber, concurrency, (payload) => {
    probe.onTask(payload);
    return Promise.resolve();
  });
  await worker.start();
  return {
    go: () => undefined,
    stop: async () => {
      await worker.stop();
      await redis.quit();
    },
  };
}

const starters: Record<string, () => Promise<Running>> = {
  bullmq: startBullmq,
  bee: startBee,
  'tq-lib': startTqLib,
  'tq-core': startTqCore,
};

async function main(): Promise<void> {
  const start = starters[system];
  if (!start)
    throw new Error(`BENCH_SYSTEM must be one of ${Object.keys(starters).join(', ')}; got "${system}"`);
  const running = await start();
  probe.listen((message) => {
    if (message.type === 'go') running.go();
    if (message.type === 'stop') {
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  sendToHarness({ type: 'ready' });
}

main().catch((error: unknown) => {
  sendToHarness({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
