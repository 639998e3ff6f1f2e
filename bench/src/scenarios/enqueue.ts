/**
 * Scenario 1: enqueue throughput from a library producer in the harness process.
 *   one at a time: N single adds with `enqueueOneInFlight` outstanding at once;
 *   bulk: N tasks in sequential bulk calls of `bulkBatch` (TaskService.submitBatch / Queue.enqueue /
 *   BullMQ addBulk / bee-queue saveAll).
 * Also Redis CPU per enqueued task (bulk), from INFO cpu.
 */
import { type Column, type Context } from '../context';
import { clockMs } from '../ipc';
import { redisCpuSeconds } from '../probe';
import { createProducer, type ProducerKind } from '../producers';

const QUEUE = 'bench-enqueue';
const PAYLOAD = 'hello world';
const KINDS: ProducerKind[] = ['tq', 'tq-core', 'bullmq', 'bee'];

/** The bulk enqueue row (the ceiling loop adds its column to it). */
export const bulkMetric = (batch: number) => ({
  id: 'enqueue.bulk',
  scenario: '1 enqueue',
  label: `enqueue in bulk (${batch} per call)`,
  unit: 'tasks/s',
  better: 'higher' as const,
});

export async function runEnqueue(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  for (let r = 0; r < ctx.repeat; r++) {
    for (const kind of KINDS) {
      const column: Column = kind;
      try {
        await ctx.redis.flushall();
        const producer = await createProducer(kind, ctx.redisUrl, QUEUE);
        try {
          // Warm-up: scripts loaded, connections open.
          await producer.addBulk([PAYLOAD, PAYLOAD]);
          await producer.addOne(PAYLOAD);

          let next = 0;
          const oneRedis0 = await redisCpuSeconds(ctx.redis);
          const oneCpu0 = process.cpuUsage();
          const t0 = clockMs();
          const lane = async () => {
            while (next < sizes.enqueueOneN) {
              next++;
              await producer.addOne(PAYLOAD);
            }
          };
          await Promise.all(Array.from({ length: sizes.enqueueOneInFlight }, lane));
          const oneRate = sizes.enqueueOneN / ((clockMs() - t0) / 1000);
          const oneCpu = process.cpuUsage(oneCpu0);
          const oneRedis = (await redisCpuSeconds(ctx.redis)) - oneRedis0;
          ctx.record(
            {
              id: 'enqueue.one',
              scenario: '1 enqueue',
              label: `enqueue one at a time (${sizes.enqueueOneInFlight} in flight)`,
              unit: 'tasks/s',
              better: 'higher',
            },
            column,
            oneRate,
          );
          // CPU per task: steadier than the rate on a loaded machine (issue 18 target 2).
          ctx.record(
            {
              id: 'enqueue.one.producerCpu',
              scenario: '1 enqueue',
              label: `producer CPU per task, one at a time (${sizes.enqueueOneInFlight} in flight)`,
              unit: 'µs/task',
              better: 'lower',
            },
            column,
            (oneCpu.user + oneCpu.system) / sizes.enqueueOneN,
          );
          ctx.record(
            {
              id: 'enqueue.one.redisCpu',
              scenario: '1 enqueue',
              label: `Redis CPU per task, one at a time (${sizes.enqueueOneInFlight} in flight)`,
              unit: 'µs/task',
              better: 'lower',
            },
            column,
            (oneRedis * 1e6) / sizes.enqueueOneN,
          );

          await ctx.redis.flushall();
          const batch = Array.from({ length: sizes.bulkBatch }, () => PAYLOAD);
          const cpu0 = await redisCpuSeconds(ctx.redis);
          const user0 = process.cpuUsage();
          const t1 = clockMs();
          for (let sent = 0; sent < sizes.enqueueBulkN; sent += sizes.bulkBatch)
            await producer.addBulk(batch);
          const bulkRate = sizes.enqueueBulkN / ((clockMs() - t1) / 1000);
          const producerCpu = process.cpuUsage(user0);
          const redisCpu = (await redisCpuSeconds(ctx.redis)) - cpu0;
          ctx.record(bulkMetric(sizes.bulkBatch), column, bulkRate);
          ctx.record(
            {
              id: 'enqueue.bulk.redisCpu',
              scenario: '1 enqueue',
              label: 'Redis CPU per task, bulk enqueue',
              unit: 'µs/task',
              better: 'lower',
            },
            column,
            (redisCpu * 1e6) / sizes.enqueueBulkN,
          );
          ctx.record(
            {
              id: 'enqueue.bulk.producerCpu',
              scenario: '1 enqueue',
              label: 'producer CPU per task, bulk enqueue',
              unit: 'µs/task',
              better: 'lower',
            },
            column,
            (producerCpu.user + producerCpu.system) / sizes.enqueueBulkN,
          );
        } finally {
          await producer.close();
        }
        ctx.log(`enqueue r${r + 1} ${kind} done`);
      } catch (error) {
        ctx.fail(`enqueue ${kind} r${r + 1}`, error);
      }
    }
  }
}
