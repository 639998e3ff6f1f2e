/**
 * Scenario 5 (memory): Redis `used_memory` per pending task and per finished task, payload "hello world".
 * N tasks are enqueued in bulk on an empty Redis (scripts already loaded), then drained by one worker
 * process. BullMQ also writes every add and completion to its events stream (capped at ~10,000 entries);
 * that stream is reported apart, and the per-job figure leaves it out.
 */
import { sleep, type Context } from '../context';
import { usedMemory } from '../probe';
import { unfinished } from '../producers';
import { SYSTEMS, goAll, holdIfTq, prefill, startWorkers, stopAll, waitUntil } from './common';

const QUEUE = 'bench-memory';
const PAYLOAD = 'hello world';
const SCENARIO = '5 cost per task';

export async function runMemory(ctx: Context): Promise<void> {
  const n = ctx.sizes.memoryN;
  for (let r = 0; r < ctx.repeat; r++) {
    for (const system of SYSTEMS) {
      try {
        // Warm-up: every script this system uses is loaded before the baseline (FLUSHALL keeps scripts).
        await ctx.redis.flushall();
        await prefill(ctx, system, QUEUE, 1, PAYLOAD);
        await ctx.redis.flushall();
        await holdIfTq(ctx, system, QUEUE);
        await sleep(100);
        const m0 = await usedMemory(ctx.redis);
        await prefill(ctx, system, QUEUE, n, PAYLOAD);
        await sleep(100);
        const m1 = await usedMemory(ctx.redis);
        const stream1 = await streamBytes(ctx, system);

        const workers = await startWorkers(ctx, system, QUEUE, 1, 100);
        try {
          await goAll(ctx, system, QUEUE, workers);
          await waitUntil(
            `${system} to drain`,
            async () => (await unfinished(ctx.redis, system, QUEUE)) === 0,
            ctx.sizes.drainTimeoutMs,
          );
        } finally {
          await stopAll(workers);
        }
        await sleep(200);
        const m2 = await usedMemory(ctx.redis);
        const stream2 = await streamBytes(ctx, system);

        ctx.record(
          {
            id: 'memory.pending',
            scenario: SCENARIO,
            label: 'Redis memory per pending task (payload "hello world")',
            unit: 'bytes/task',
            better: 'lower',
          },
          system,
          (m1 - m0 - stream1) / n,
          system === 'bullmq' ? 'excludes the events stream (reported below)' : undefined,
        );
        ctx.record(
          {
            id: 'memory.finished',
            scenario: SCENARIO,
            label: 'Redis memory per finished task, as configured',
            unit: 'bytes/task',
            better: 'lower',
          },
          system,
          (m2 - m0 - stream2) / n,
          system === 'tq'
            ? 'tq keeps finished tasks (default retention 24 h / 100,000 per queue)'
            : system === 'bullmq'
              ? 'removeOnComplete {count: 0}; excludes the events stream'
              : 'removeOnSuccess: true',
        );
        if (system === 'bullmq') {
          ctx.record(
            {
              id: 'memory.bullmqEvents',
              scenario: SCENARIO,
              label: `BullMQ events stream after ${n} adds + completions (capped ~10k entries)`,
              unit: 'bytes',
              better: 'lower',
            },
            system,
            stream2,
          );
        }
        ctx.log(`memory r${r + 1} ${system}: ${Math.round((m1 - m0 - stream1) / n)} B/pending task`);
      } catch (error) {
        ctx.fail(`memory ${system} r${r + 1}`, error);
      }
    }
  }
}

async function streamBytes(ctx: Context, system: string): Promise<number> {
  if (system !== 'bullmq') return 0;
  return Number((await ctx.redis.call('MEMORY', 'USAGE', `bull:${QUEUE}:events`, 'SAMPLES', '0')) ?? 0);
}
