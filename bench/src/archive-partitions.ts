/**
 * Archive throughput of one queue with 1 and 3 partitions (issue 17, ADR 0041, docs/performance.md): a
 * private 3-master Redis Cluster and a private PostgreSQL; per layout and repetition, TASKS finished tasks
 * wait in one queue and one in-process archiver (concurrency 4, batch 1000) archives them in one pass.
 * A partitioned queue is archived partition by partition, each under its own lease, so its partitions go
 * in parallel.
 *
 *   pnpm --filter @tq/bench bench:archive-partitions    # TASKS=20000 REPEAT=2 PARTITIONS=1,3
 *
 * Not part of the test command. On 2 shared cores the archiver, PostgreSQL and Redis compete for the same
 * CPU, so the parallelism has little room to show.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Archiver } from '@tq/archiver';
import { PartitionedQueue, closeRedis, createRedis, newTaskId } from '@tq/core';
import { HistoryStore } from '@tq/history';
import { randomQueueName, startPostgresServer, startRedisCluster } from '@tq/testing';
import { sql } from 'kysely';

const TASKS = Number(process.env.TASKS ?? 20_000);
const REPEAT = Number(process.env.REPEAT ?? 2);
const PARTITIONS = (process.env.PARTITIONS ?? '1,3').split(',').map(Number);

/** TASKS done tasks in `queue`, spread over its partitions (not timed). */
async function finish(queue: PartitionedQueue): Promise<void> {
  for (let from = 0; from < TASKS; from += 1000) {
    const count = Math.min(1000, TASKS - from);
    await queue.enqueue(
      Array.from({ length: count }, () => ({
        id: newTaskId(queue.name),
        type: 'noop',
        payload: '{"n":1}',
        maxAttempts: 1,
      })),
    );
    for (let left = count; left > 0;) {
      const { tasks } = await queue.claim(left, 600_000);
      await queue.complete(tasks.map((t) => ({ ...t, result: '{}' })));
      left -= tasks.length;
    }
  }
}

async function main(): Promise<void> {
  const cluster = await startRedisCluster();
  const pg = await startPostgresServer();
  const redis = createRedis(cluster.url);
  const store = new HistoryStore({ url: pg.url });
  try {
    await store.migrate();
    console.log(`| partitions | repetition | tasks | archive pass | tasks/s | load (1 min) |`);
    console.log(`| --- | --- | --- | --- | --- | --- |`);
    for (let rep = 1; rep <= REPEAT; rep++) {
      for (const partitions of PARTITIONS) {
        const queue = await PartitionedQueue.create(redis, randomQueueName('archp'), partitions);
        await finish(queue);
        const archiver = new Archiver({ redis, store, concurrency: 4, batchSize: 1000, maxPerPass: 1e9 });
        const started = performance.now();
        if (!(await archiver.runPass())) throw new Error('the archive pass failed');
        const ms = performance.now() - started;
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from tq_task_history where queue = ${queue.name}`.execute(store.db);
        const archived = rows[0]!.n;
        if (archived !== TASKS) throw new Error(`archived ${archived} of ${TASKS}`);
        console.log(
          `| ${partitions} | ${rep} | ${TASKS.toLocaleString('en')} | ${Math.round(ms)} ms | ${Math.round((archived / ms) * 1000).toLocaleString('en')} | ${loadavg()[0]!.toFixed(1)} |`,
        );
      }
    }
  } finally {
    await store.close();
    await closeRedis(redis);
    await pg.stop();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
