import {
  ManualClock,
  PartitionedQueue,
  closeRedis,
  createRedis,
  newTaskId,
  parseTaskId,
  type NewTask,
  type RedisClient,
} from '@tq/core';
import { metricSample, randomQueueName, waitFor } from '@tq/testing';
import type { Registry } from 'prom-client';
import { Reaper, type ReaperOptions } from './reaper';

/**
 * The reaper looks after a partitioned queue (ADR 0040) as one logical queue (ADR 0041). Runs on the suite's
 * Redis: a single server, or a 3-master Cluster with TQ_TEST_CLUSTER=1 (the partitions then sit on
 * different masters). Idle removal of partitioned queues: many-queues.test.ts (a registry of its own).
 */
const LEASE_MS = 1000;

/** The value of one series (0 when absent). */
const metric = async (registry: Registry, name: string, labels: Record<string, string>) =>
  metricSample(await registry.metrics(), name, labels) ?? 0;

const partitionOf = (id: string) => parseTaskId(id)!.partition ?? 0;

function task(queue: PartitionedQueue, extra: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(queue.name), type: 't', payload: '{}', maxAttempts: 3, ...extra };
}

/** A partition key that `queue` sends to partition `index`. */
function keyFor(queue: PartitionedQueue, index: number): string {
  for (let i = 0; ; i++) if (queue.pick({ ...task(queue), partitionKey: `k${i}` }) === index) return `k${i}`;
}

/** Pending and running tasks of each partition. */
async function perPartition(queue: PartitionedQueue, state: 'pending' | 'running' | 'scheduled' | 'done') {
  return Promise.all(queue.partitions.map(async (p) => (await p.stats()).counts[state]));
}

describe('Reaper on a partitioned queue', () => {
  let redis: RedisClient;
  let clock: ManualClock;
  let queue: PartitionedQueue;
  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL!);
  });
  afterAll(() => closeRedis(redis));
  beforeEach(async () => {
    clock = new ManualClock();
    queue = await PartitionedQueue.create(redis, randomQueueName('rp'), 3, clock);
    clock.advance(60_000); // past the settle of the creation (a resize from one partition: ADR 0050)
  });

  /** A reaper of the test's queue only (the suite's Redis holds other suites' queues); passes by runPass. */
  const reaper = (options: Partial<ReaperOptions> = {}) =>
    new Reaper({ redis, clock, queues: [queue.name], discoverQueues: false, random: () => 0.5, ...options });

  it('recovers in one pass every task of a dead worker whose leases expired in several partitions', async () => {
    await queue.enqueue(Array.from({ length: 30 }, () => task(queue)));
    const claimed = await queue.claim(30, LEASE_MS);
    expect(claimed.tasks).toHaveLength(30);
    expect(new Set(claimed.tasks.map((t) => partitionOf(t.id)))).toEqual(new Set([0, 1, 2]));
    const r = reaper();

    clock.advance(LEASE_MS - 1);
    expect(await r.runPass()).toBe(true);
    expect((await queue.stats()).counts).toMatchObject({ running: 30, pending: 0 });

    clock.advance(2);
    expect(await r.runPass()).toBe(true);
    expect((await queue.stats()).counts).toMatchObject({ running: 0, pending: 30 });
    expect(await perPartition(queue, 'pending')).toEqual([10, 10, 10]);
    for (const { id } of claimed.tasks)
      expect(await queue.getTask(id)).toMatchObject({ status: 'pending', attempt: 1 });
    expect(await metric(r.registry, 'tq_tasks_recovered_total', { queue: queue.name })).toBe(30);
    // One logical queue in the gauges; the backlog per partition only in its own gauge.
    expect(await metric(r.registry, 'tq_queue_depth', { queue: queue.name, state: 'pending' })).toBe(30);
    for (const partition of ['0', '1', '2'])
      expect(await metric(r.registry, 'tq_queue_partition_pending', { queue: queue.name, partition })).toBe(
        10,
      );
  });

  it('looks at every partition of a queue partitioned after its first look, without waiting for the layout TTL', async () => {
    const name = randomQueueName('rp');
    const r = reaper({ queues: [name] });
    expect(await r.runPass()).toBe(true); // no layout yet: one partition
    const later = await PartitionedQueue.create(redis, name, 3, clock);
    clock.advance(60_000);
    await later.enqueue(Array.from({ length: 30 }, () => task(later)));
    const claimed = await later.claim(30, LEASE_MS);
    expect(new Set(claimed.tasks.map((t) => partitionOf(t.id)))).toEqual(new Set([0, 1, 2]));
    clock.advance(LEASE_MS + 1);
    expect(await r.runPass()).toBe(true); // within the directory's TTL (5 s) of the first look
    expect(await perPartition(later, 'pending')).toEqual([10, 10, 10]);
  });

  it('promotes delayed tasks of partitions > 0 when they are due, and only then', async () => {
    const delayed = [1, 2].map((i) => task(queue, { partitionKey: keyFor(queue, i), delayMs: 5000 }));
    const outcomes = await queue.enqueue(delayed);
    expect(outcomes.map((o) => partitionOf(o.id))).toEqual([1, 2]);
    const r = reaper();

    clock.advance(4999);
    await r.runPass();
    expect(await perPartition(queue, 'scheduled')).toEqual([0, 1, 1]);

    clock.advance(2);
    expect(await r.runPass()).toBe(true);
    expect(await perPartition(queue, 'scheduled')).toEqual([0, 0, 0]);
    expect(await perPartition(queue, 'pending')).toEqual([0, 1, 1]);
    expect(
      await metric(r.registry, 'tq_tasks_promoted_total', { queue: queue.name, from: 'scheduled' }),
    ).toBe(2);
  });

  it('applies retention to every partition, the count cap shared over the partitions', async () => {
    await queue.enqueue(Array.from({ length: 15 }, () => task(queue)));
    await queue.complete((await queue.claim(15, LEASE_MS)).tasks);
    expect(await perPartition(queue, 'done')).toEqual([5, 5, 5]);
    const retention = { finishedMaxAgeMs: 60_000, finishedMaxCount: 6, deadMaxAgeMs: 0, deadMaxCount: 0 };
    const r = reaper({ retention });

    expect(await r.runPass()).toBe(true);
    // The logical queue keeps its cap of 6: 2 per partition.
    expect(await perPartition(queue, 'done')).toEqual([2, 2, 2]);
    clock.advance(60_001);
    expect(await r.runPass()).toBe(true);
    expect(await perPartition(queue, 'done')).toEqual([0, 0, 0]);
    expect(await metric(r.registry, 'tq_tasks_trimmed_total', { queue: queue.name, state: 'done' })).toBe(15);
  });

  it('puts back running tasks without a lease in every partition (orphan repair)', async () => {
    await queue.enqueue(Array.from({ length: 3 }, () => task(queue)));
    const claimed = (await queue.claim(3, 60_000)).tasks;
    expect(new Set(claimed.map((t) => partitionOf(t.id)))).toEqual(new Set([0, 1, 2]));
    // As after a partial loss of Redis data: the running entries are gone, the tasks still say running.
    for (const p of queue.partitions) await redis.del(p.keys.running);
    const r = reaper({ repairIntervalMs: 1, random: () => 0 });

    await waitFor(
      async () => {
        await r.runPass();
        return (await queue.stats()).counts.pending === 3;
      },
      { message: 'the three orphans put back in pending', timeoutMs: 10_000 },
    );
    expect(await metric(r.registry, 'tq_orphans_repaired_total', { queue: queue.name })).toBe(3);
  });

  it('removes the partitions a shrink drained once the shrink has settled and they are empty', async () => {
    queue = await PartitionedQueue.create(redis, randomQueueName('rp'), 4, clock);
    clock.advance(60_000); // past the settle of the creation itself
    await queue.enqueue(Array.from({ length: 8 }, () => task(queue)));
    expect(await perPartition(queue, 'pending')).toEqual([2, 2, 2, 2]);
    queue = await queue.resize(2, { settleMs: 1000 });
    const served = async () => (await PartitionedQueue.open(redis, queue.name)).count;
    const r = reaper();

    // Settling: a process may still send tasks to partitions 2 and 3, so they stay.
    expect(await r.runPass()).toBe(true);
    expect(await served()).toBe(4);
    clock.advance(1001);
    // Settled, but 2 and 3 still hold tasks: they stay until those are gone.
    expect(await r.runPass()).toBe(true);
    expect(await served()).toBe(4);

    const ran = (await queue.claim(8, LEASE_MS)).tasks;
    expect(new Set(ran.map((t) => partitionOf(t.id)))).toEqual(new Set([0, 1, 2, 3]));
    await queue.complete(ran);
    const results = await queue.deleteFinishedTasks(ran.map((t) => t.id));
    expect(results.every((x) => x.code === 'deleted')).toBe(true);
    expect(await r.runPass()).toBe(true);
    expect(await PartitionedQueue.open(redis, queue.name)).toMatchObject({ count: 2, draining: [] });
    // The next pass works on the two partitions left.
    await queue.enqueue([task(queue)]);
    expect(await r.runPass()).toBe(true);
    expect(await metric(r.registry, 'tq_queue_depth', { queue: queue.name, state: 'pending' })).toBe(1);
  });
});
