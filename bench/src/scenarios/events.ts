/**
 * Scenario 7: what task events cost the hot path. tq only: enqueue one at a time (TaskService.submit) and
 * the single-process noop drain, with the queue's events mode `auto` and nobody listening (the default:
 * scripts write no event) and `on` (every transition XADDs to the queue's stream, as while an SSE client
 * listens). See docs/adr/0020-task-events.md.
 */
import { Queue, type EventsMode } from '@tq/core';
import { type Context } from '../context';
import { clockMs } from '../ipc';
import { redisCpuSeconds } from '../probe';
import { createProducer } from '../producers';
import { DRAIN_QUEUE, drainOnce } from './drain';

const QUEUE = 'bench-events';
const PAYLOAD = 'hello world';
const SCENARIO = '7 events';
const MODES: { mode: EventsMode; label: string }[] = [
  { mode: 'auto', label: 'events auto, nobody listening' },
  { mode: 'on', label: 'events on' },
];

export async function runEvents(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const single = sizes.drain.filter((d) => d.processes === 1);
  const layout = single.reduce((a, b) => (b.concurrency > a.concurrency ? b : a));
  for (let r = 0; r < ctx.repeat; r++) {
    for (const { mode, label } of MODES) {
      try {
        await ctx.redis.flushall();
        await new Queue(ctx.redis, QUEUE).setEventsMode(mode);
        const producer = await createProducer('tq', ctx.redisUrl, QUEUE);
        try {
          await producer.addOne(PAYLOAD); // warm-up: scripts loaded, connection open
          let next = 0;
          const cpu0 = await redisCpuSeconds(ctx.redis);
          const t0 = clockMs();
          const lane = async () => {
            while (next < sizes.enqueueOneN) {
              next++;
              await producer.addOne(PAYLOAD);
            }
          };
          await Promise.all(Array.from({ length: sizes.enqueueOneInFlight }, lane));
          ctx.record(
            {
              id: `events.enqueue.${mode}`,
              scenario: SCENARIO,
              label: `enqueue one at a time (${sizes.enqueueOneInFlight} in flight), ${label}`,
              unit: 'tasks/s',
              better: 'higher',
            },
            'tq',
            sizes.enqueueOneN / ((clockMs() - t0) / 1000),
          );
          ctx.record(
            {
              id: `events.enqueue.redisCpu.${mode}`,
              scenario: SCENARIO,
              label: `Redis CPU per task, enqueue one at a time, ${label}`,
              unit: 'µs/task',
              better: 'lower',
            },
            'tq',
            (((await redisCpuSeconds(ctx.redis)) - cpu0) * 1e6) / sizes.enqueueOneN,
          );
        } finally {
          await producer.close();
        }

        const d = await drainOnce(ctx, 'tq', layout, {
          prepare: () => new Queue(ctx.redis, DRAIN_QUEUE).setEventsMode(mode),
        });
        ctx.record(
          {
            id: `events.process.${mode}`,
            scenario: SCENARIO,
            label: `noop tasks processed, 1 worker process, concurrency ${layout.concurrency}, ${label}`,
            unit: 'tasks/s',
            better: 'higher',
          },
          'tq',
          layout.n / d.seconds,
        );
        ctx.record(
          {
            id: `events.process.redisCpu.${mode}`,
            scenario: SCENARIO,
            label: `Redis CPU per processed task (enqueue not counted), ${label}`,
            unit: 'µs/task',
            better: 'lower',
          },
          'tq',
          (d.redisCpu * 1e6) / layout.n,
        );
        ctx.log(`events r${r + 1} ${mode}: ${Math.round(layout.n / d.seconds)} tasks/s processed`);
      } catch (error) {
        ctx.fail(`events ${mode} r${r + 1}`, error);
      }
    }
  }
}
