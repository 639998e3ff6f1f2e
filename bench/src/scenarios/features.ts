/**
 * Scenario 9 (issue 18 target 7): what an optional feature costs the processing hot path, off and on. tq
 * only; the single-process noop drain of scenario 3 at its highest concurrency, once per variant, each on a
 * fresh Redis: tasks/s, and Redis and worker CPU per task (the steadier figures on a shared machine).
 * Events and generated idempotency keys have their own rows (scenarios 7 and 8). Variants:
 *   off         a queue that uses no optional feature
 *   groups      every task in one of GROUPS groups (claims rotate over them, ADR 0029)
 *   limits      a concurrency and a rate limit set far above what the run reaches (checked, never binding)
 *   schedules   SCHEDULES cron schedules stored for the queue (none due during the run: firing is the
 *               reaper's, and a fired task is an enqueue)
 *   archive     archiving required (ADR 0030): it changes what retention deletes, not the hot path
 *   1 partition the queue made with one partition (ADR 0040): the same keys and scripts as off
 *   N partitions PARTITIONS partitions on the one standalone Redis, the tasks spread by
 *               PartitionedQueue.enqueue (the worker claims over them in turn)
 */
import { PartitionedQueue, Queue, ScheduleStore, newTaskId, requireArchive } from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import { type Context } from '../context';
import { DRAIN_QUEUE, drainOnce, type DrainOptions } from './drain';

const SCENARIO = '9 optional features';
const PAYLOAD = 'hello world';
const GROUPS = 10;
const SCHEDULES = 100;
const PARTITIONS = 4;

interface Variant {
  id: string;
  label: string;
  options: (ctx: Context) => DrainOptions;
}

/** Enqueues `n` noop tasks through TaskService in bulk calls, the i-th with `extra(i)`. */
async function submitAll(ctx: Context, n: number, extra: (i: number) => { group?: string }): Promise<void> {
  const service = new TaskService(new TaskRepository(ctx.redis));
  const batch = ctx.sizes.bulkBatch;
  for (let sent = 0; sent < n; sent += batch) {
    const tasks = Array.from({ length: Math.min(batch, n - sent) }, (_, i) => ({
      type: 'noop',
      payload: PAYLOAD,
      queue: DRAIN_QUEUE,
      ...extra(sent + i),
    }));
    const results = await service.submitBatch({ tasks });
    if (results.some((r) => !('task' in r) || !r.created)) throw new Error('submitBatch refused a task');
  }
}

/** A queue of `count` partitions, filled through PartitionedQueue.enqueue (spread over the partitions). */
function partitioned(ctx: Context, count: number): DrainOptions {
  return {
    partitions: count,
    prepare: async () => void (await PartitionedQueue.create(ctx.redis, DRAIN_QUEUE, count)),
    prefill: async (n) => {
      const queue = await PartitionedQueue.open(ctx.redis, DRAIN_QUEUE);
      const batch = ctx.sizes.bulkBatch;
      for (let sent = 0; sent < n; sent += batch) {
        await queue.enqueue(
          Array.from({ length: Math.min(batch, n - sent) }, () => ({
            id: newTaskId(DRAIN_QUEUE),
            type: 'noop',
            payload: JSON.stringify(PAYLOAD),
            maxAttempts: 5,
          })),
        );
      }
    },
  };
}

const VARIANTS: Variant[] = [
  { id: 'off', label: 'no optional feature', options: () => ({}) },
  {
    id: 'groups',
    label: `groups on (${GROUPS} groups)`,
    options: (ctx) => ({ prefill: (n) => submitAll(ctx, n, (i) => ({ group: `g${i % GROUPS}` })) }),
  },
  {
    id: 'limits',
    label: 'limits on (concurrency and rate, never reached)',
    options: (ctx) => ({
      prepare: () =>
        new Queue(ctx.redis, DRAIN_QUEUE).setLimits({
          concurrency: 100_000,
          rate: { max: 10_000_000, periodMs: 1000 },
        }),
    }),
  },
  {
    id: 'schedules',
    label: `schedules on (${SCHEDULES} stored, none due)`,
    options: (ctx) => ({
      prepare: async () => {
        const store = new ScheduleStore(ctx.redis);
        for (let i = 0; i < SCHEDULES; i++) {
          await store.create({
            id: `bench-${i}`,
            queue: DRAIN_QUEUE,
            cron: '0 0 0 1 1 *', // once a year
            timezone: 'UTC',
            task: { type: 'noop', payload: JSON.stringify(PAYLOAD), priority: 0, maxAttempts: 5 },
            misfire: 'skip',
            misfireGraceMs: 60_000,
            overlap: 'allow',
            paused: false,
          });
        }
      },
    }),
  },
  {
    id: 'archive',
    label: 'archive on (archiving required)',
    options: (ctx) => ({ prepare: () => requireArchive(ctx.redis, 'bench') }),
  },
  {
    id: 'partitions1',
    label: 'made with 1 partition',
    options: (ctx) => ({
      prepare: async () => void (await PartitionedQueue.create(ctx.redis, DRAIN_QUEUE, 1)),
    }),
  },
  {
    id: `partitions${PARTITIONS}`,
    label: `${PARTITIONS} partitions (one standalone Redis)`,
    options: (ctx) => partitioned(ctx, PARTITIONS),
  },
];

/** The variants' ids, as the metric ids end (`features.<process|redisCpu|workerCpu>.<variant>`). */
export const FEATURE_VARIANTS = VARIANTS.map((v) => v.id);

export async function runFeatures(ctx: Context): Promise<void> {
  const single = ctx.sizes.drain.filter((d) => d.processes === 1);
  const layout = single.reduce((a, b) => (b.concurrency > a.concurrency ? b : a));
  const perTask = (seconds: number) => (seconds * 1e6) / layout.n;
  for (let r = 0; r < ctx.repeat; r++) {
    for (const v of VARIANTS) {
      try {
        const d = await drainOnce(ctx, 'tq', layout, v.options(ctx));
        const rows = [
          [
            'process',
            `noop tasks processed, 1 worker process, concurrency ${layout.concurrency}`,
            'tasks/s',
            'higher',
            layout.n / d.seconds,
          ],
          ['redisCpu', 'Redis CPU per processed task', 'µs/task', 'lower', perTask(d.redisCpu)],
          ['workerCpu', 'worker process CPU per processed task', 'µs/task', 'lower', perTask(d.workerCpu)],
        ] as const;
        for (const [what, label, unit, better, value] of rows) {
          ctx.record(
            {
              id: `features.${what}.${v.id}`,
              scenario: SCENARIO,
              label: `${label}, ${v.label}`,
              unit,
              better,
            },
            'tq',
            value,
          );
        }
        ctx.log(
          `features r${r + 1} ${v.id}: ${Math.round(layout.n / d.seconds)} tasks/s, ` +
            `${perTask(d.redisCpu).toFixed(1)} µs Redis + ${perTask(d.workerCpu).toFixed(1)} µs worker per task`,
        );
      } catch (error) {
        ctx.fail(`features ${v.id} r${r + 1}`, error);
      }
    }
  }
}
