import { Queue, queueKeys } from '@tq/core';
import { sleep, type Context } from '../context';
import { createProducer, unfinished } from '../producers';
import { WorkerProcess, type WorkerSystem } from '../worker-process';

/** The systems compared; BENCH_SYSTEMS=tq (comma-separated) runs a subset, e.g. for a before/after of tq alone. */
export const SYSTEMS: WorkerSystem[] = process.env.BENCH_SYSTEMS
  ? (process.env.BENCH_SYSTEMS.split(',') as WorkerSystem[])
  : ['tq', 'bullmq', 'bee'];

/** tq's claim batch in every run: the worker's documented default is 20; a batch as big as the free slots is the best setting. */
export function tqClaimBatch(concurrency: number): number {
  return Math.min(concurrency, 1000);
}

/** Polls `check` every `everyMs` until it is true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Starts `processes` worker processes of `system` on `queue` and waits until each can consume. tq workers
 * start consuming at once, so callers pause the queue first when they need a clean start (see `goAll`).
 */
export async function startWorkers(
  ctx: Context,
  system: WorkerSystem,
  queue: string,
  processes: number,
  concurrency: number,
  execArgv: string[] = [],
  bullmqKeepCompleted = false,
): Promise<WorkerProcess[]> {
  const workers = await Promise.all(
    Array.from({ length: processes }, () =>
      WorkerProcess.spawn({
        system,
        tqDriver: ctx.tqWorker,
        queue,
        concurrency,
        redisUrl: ctx.redisUrl,
        tqClaimBatch: tqClaimBatch(concurrency),
        execArgv: system === 'tq' ? [...ctx.tqExecArgv, ...execArgv] : execArgv,
        bullmqKeepCompleted,
      }),
    ),
  );
  if (system === 'tq') {
    // Subscribed to the wake channel = the claim loop is running (apps/worker says nothing over IPC).
    const channel = queueKeys(queue).wakeChannel;
    await waitUntil(
      'tq workers to subscribe',
      async () => {
        const [, n] = (await ctx.redis.pubsub('NUMSUB', channel)) as [string, number];
        if (workers.some((w) => !w.alive))
          throw new Error(`a tq worker exited:\n${workers.map((w) => w.recentOutput).join('\n')}`);
        return Number(n) >= processes;
      },
      20_000,
      20,
    );
  }
  return workers;
}

/** Lets the workers consume: resumes a paused tq queue (its real wake path), or sends `go` to the others. */
export async function goAll(
  ctx: Context,
  system: WorkerSystem,
  queue: string,
  workers: WorkerProcess[],
): Promise<void> {
  if (system === 'tq') await new Queue(ctx.redis, queue).resume();
  else for (const w of workers) w.go();
}

/** Pauses a tq queue so workers started next wait for `goAll` (a no-op for the other systems). */
export async function holdIfTq(ctx: Context, system: WorkerSystem, queue: string): Promise<void> {
  if (system === 'tq') await new Queue(ctx.redis, queue).pause();
}

/** Enqueues `n` noop tasks in bulk calls (not timed). */
export async function prefill(
  ctx: Context,
  system: WorkerSystem,
  queue: string,
  n: number,
  payload: unknown,
): Promise<void> {
  const producer = await createProducer(system, ctx.redisUrl, queue);
  try {
    const batch = ctx.sizes.bulkBatch;
    for (let sent = 0; sent < n; sent += batch) {
      await producer.addBulk(Array.from({ length: Math.min(batch, n - sent) }, () => payload));
    }
  } finally {
    await producer.close();
  }
  const waiting = await unfinished(ctx.redis, system, queue);
  if (waiting !== n) throw new Error(`prefill left ${waiting} tasks waiting, expected ${n}`);
}

export async function stopAll(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}
