import {
  ManualClock,
  createRedis,
  newTaskId,
  requireArchive,
  type PartitionedQueue,
  type Queue,
  type RedisClient,
} from '@tq/core';
import { metricSample, randomQueueName, startRedisServer, type RedisServer } from '@tq/testing';
import type { Registry } from 'prom-client';
import { Reaper } from './reaper';
import { testQueue } from './test-queue';

/** The value of one series (0 when absent); `labels` are all of the series' labels. */
async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return metricSample(await registry.metrics(), name, labels) ?? 0;
}

// tq:archive is one key for the whole Redis: a private server, so no other suite's retention waits.
let server: RedisServer;
let redis: RedisClient;
beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** Enqueues `n` tasks into `queue` and completes them. */
async function finishTasks(queue: Queue | PartitionedQueue, n: number): Promise<void> {
  await queue.enqueue(
    Array.from({ length: n }, () => ({
      id: newTaskId(queue.name),
      type: 'job',
      payload: 'null',
      maxAttempts: 1,
    })),
  );
  await queue.complete((await queue.claim(n, 30_000)).tasks);
}

/** A reaper of queue `name` only whose retention keeps no finished task (archiving holds them). */
function retainNothing(clock: ManualClock, name: string, archiveHoldMax?: number): Reaper {
  return new Reaper({
    redis,
    clock,
    queues: [name],
    discoverQueues: false,
    retention: { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 },
    ...(archiveHoldMax === undefined ? {} : { archiveHoldMax }),
  });
}

/** Archives up to `limit` finished tasks of one partition, as an archiver does: claims, then confirms. */
async function archive(partition: Queue, limit: number): Promise<void> {
  const claim = await partition.archiveClaim('archiver', 10_000, limit, 1 << 20);
  await partition.archiveConfirm(
    'archiver',
    claim,
    claim.tasks.map((t) => ({ id: t.record.id, status: t.record.status, version: t.version })),
  );
}

describe('Reaper retention while archiving is on (ADR 0030)', () => {
  it('deletes only what an archiver confirmed, shows the rest as held, and past the memory guard deletes and counts it', async () => {
    const clock = new ManualClock();
    // One partition: the memory guard (archiveHoldMax) holds per partition share, ceil(5 / N) (ADR 0041),
    // so "7 unarchived, 2 past the guard of 5" is exact only there.
    const queue = (await testQueue(redis, randomQueueName('ret'), clock, 1)).partitions[0]!;
    const finish = (n: number) => finishTasks(queue, n);
    await finish(3);
    const reaper = retainNothing(clock, queue.name, 5);
    await requireArchive(redis, 'test');

    await reaper.runPass();
    expect((await queue.stats()).counts.done).toBe(3);
    expect(
      await metric(reaper.registry, 'tq_retention_held_tasks', { queue: queue.name, state: 'done' }),
    ).toBe(3);
    expect(await metric(reaper.registry, 'tq_retention_archive_required')).toBe(1);

    await archive(queue, 2);
    await reaper.runPass();
    expect((await queue.stats()).counts.done).toBe(1);
    expect(
      await metric(reaper.registry, 'tq_retention_held_tasks', { queue: queue.name, state: 'done' }),
    ).toBe(1);

    await finish(6); // 7 unarchived now: 2 past the guard of 5
    await reaper.runPass();
    expect((await queue.stats()).counts.done).toBe(5);
    expect(
      await metric(reaper.registry, 'tq_retention_unarchived_deleted_total', { queue: queue.name }),
    ).toBe(2);

    await redis.del('tq:archive'); // archiving turned off: retention deletes as before
    await reaper.runPass();
    expect((await queue.stats()).counts.done).toBe(0);
    expect(await metric(reaper.registry, 'tq_retention_archive_required')).toBe(0);
  });

  it("on a partitioned queue (TQ_TEST_PARTITIONS), holds every partition's unarchived tasks and deletes what an archiver confirmed in each", async () => {
    const clock = new ManualClock();
    const queue = await testQueue(redis, randomQueueName('retp'), clock);
    await finishTasks(queue, 6);
    const reaper = retainNothing(clock, queue.name);
    await requireArchive(redis, 'test');
    try {
      await reaper.runPass();
      expect((await queue.stats()).counts.done).toBe(6);
      expect(
        await metric(reaper.registry, 'tq_retention_held_tasks', { queue: queue.name, state: 'done' }),
      ).toBe(6);

      for (const partition of queue.partitions) await archive(partition, 10);
      await reaper.runPass();
      expect((await queue.stats()).counts.done).toBe(0);
      expect(
        await metric(reaper.registry, 'tq_retention_held_tasks', { queue: queue.name, state: 'done' }),
      ).toBe(0);
    } finally {
      await redis.del('tq:archive');
    }
  });
});
