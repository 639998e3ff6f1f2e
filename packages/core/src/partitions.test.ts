import { randomQueueName } from '@tq/testing';
import type { Cluster } from 'ioredis';
import { ManualClock } from './clock';
import { closeRedis } from './connection';
import { newTaskId, parseTaskId } from './ids';
import { QUEUES_KEY, hashSlot, partitionTag, queueKeys } from './keys';
import { PartitionedQueue } from './partitions';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, expectConsistent } from './test-support/fixtures';
import type { NewTask } from './types';

/** Partitioned queues (ADR 0040); run on a single Redis by `test` and on a 3-master Cluster by `test:cluster`. */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

/**
 * A queue of `partitions` partitions whose creation has settled: creating is a resize from one partition
 * (ADR 0050), so keyed tasks go to partition 0 until then (partition-resize.test.ts tests that).
 */
async function fresh(partitions: number) {
  const clock = new ManualClock();
  const settle = { settleMs: 1000 };
  const queue = await PartitionedQueue.create(redis, randomQueueName('part'), partitions, clock, settle);
  clock.advance(settle.settleMs);
  return { queue, clock };
}

function task(queue: PartitionedQueue, extra: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(queue.name), type: 't', payload: '{}', maxAttempts: 2, ...extra };
}

const partitionOf = (id: string) => parseTaskId(id)!.partition ?? 0;

describe('PartitionedQueue', () => {
  it('stores its layout once, and opens with it (an unpartitioned queue opens as one partition)', async () => {
    const { queue } = await fresh(4);
    const opened = await PartitionedQueue.open(redis, queue.name);
    expect(opened.layout).toEqual(queue.layout);
    expect(opened.count).toBe(4);
    expect((await PartitionedQueue.create(redis, queue.name, 4)).layout).toEqual(queue.layout);
    await expect(PartitionedQueue.create(redis, queue.name, 2)).rejects.toMatchObject({ code: 'conflict' });
    await expect(PartitionedQueue.create(redis, randomQueueName('part'), 0)).rejects.toMatchObject({
      code: 'invalid',
    });
    const plain = await PartitionedQueue.open(redis, randomQueueName('part'));
    expect(plain.count).toBe(1);
    expect(plain.partitions[0]!.keys).toEqual(new Queue(redis, plain.name).keys);
  });

  it('gives each partition its own hash tag, spread over the masters of a Cluster', async () => {
    const { queue } = await fresh(4);
    const tags = queue.partitions.map((p) => p.tag);
    expect(tags[0]).toBe(queue.name);
    expect(new Set(tags.map(hashSlot)).size).toBe(4);
    for (const [i, p] of queue.partitions.entries()) {
      expect(p.keys.pendingPrefix).toBe(
        `tq:{${partitionTag(queue.name, i, queue.layout.suffixes[i])}}:pending:`,
      );
    }
    if (redis.isCluster) {
      const cluster = redis as Cluster;
      const ranges = (await cluster.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
      const masters = tags.map((tag) => {
        const slot = hashSlot(tag);
        const [, , [host, port]] = ranges.find(([from, to]) => from <= slot && slot <= to)!;
        return `${host}:${port}`;
      });
      // 4 partitions on 3 masters: the first three on three masters, the fourth with partition 0.
      expect(new Set(masters.slice(0, 3)).size).toBe(3);
      expect(masters[3]).toBe(masters[0]);
    }
  });

  it('spreads tasks evenly, and each id names the partition that holds it', async () => {
    const { queue } = await fresh(3);
    const outcomes = await queue.enqueue(Array.from({ length: 30 }, () => task(queue)));
    const per = [0, 0, 0];
    for (const o of outcomes) {
      expect(o.status).toBe('created');
      per[partitionOf(o.id)]!++;
      expect((await queue.getTask(o.id))!.status).toBe('pending');
    }
    expect(per).toEqual([10, 10, 10]);
    for (const [i, p] of queue.partitions.entries()) {
      const stats = await p.stats();
      expect(stats.counts.pending).toBe(10);
      expect(i === 0 || outcomes.some((o) => o.id.startsWith(`${queue.name}.${i}.`))).toBe(true);
    }
    expect((await queue.stats()).counts.pending).toBe(30);
  });

  it('keeps a partition key in one partition, and an idempotency key exactly-once across partitions', async () => {
    const { queue } = await fresh(4);
    const keyed = await queue.enqueue(
      Array.from({ length: 12 }, () => task(queue, { partitionKey: 'customer-7' })),
    );
    expect(new Set(keyed.map((o) => partitionOf(o.id))).size).toBe(1);
    const grouped = await queue.enqueue(Array.from({ length: 6 }, () => task(queue, { group: 'tenant-a' })));
    expect(new Set(grouped.map((o) => partitionOf(o.id))).size).toBe(1);
    const first = await queue.enqueue([
      task(queue, { idempotencyKey: 'order-1', fingerprint: 'f', idempotencyWindowMs: 60_000 }),
    ]);
    const again = await queue.enqueue([
      task(queue, { idempotencyKey: 'order-1', fingerprint: 'f', idempotencyWindowMs: 60_000 }),
    ]);
    expect(again[0]).toMatchObject({ status: 'existing', id: first[0]!.id });
    expect((await queue.stats()).counts.pending).toBe(19);
  });

  it('claims across every partition in turn, and routes acks, failures, retries and dead letters by id', async () => {
    const { queue, clock } = await fresh(3);
    const ids = (await queue.enqueue(Array.from({ length: 9 }, () => task(queue)))).map((o) => o.id);
    const claimed = [];
    for (let i = 0; i < 9; i++) {
      const { tasks } = await queue.claim(1, 1000);
      claimed.push(...tasks);
    }
    expect(claimed.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect((await queue.claim(5, 1000)).tasks).toEqual([]);
    const [ok, failing, released, ...others] = claimed;
    expect(await queue.complete([{ ...ok!, result: '1' }])).toEqual(['ok']);
    expect(await queue.fail([{ ...failing!, error: 'boom', retryDelayMs: 1000 }])).toEqual(['retry']);
    expect(await queue.release([released!])).toEqual(['ok']);
    expect(await queue.complete(others.map((t) => ({ id: t.id, token: t.token })))).toEqual(
      others.map(() => 'ok'),
    );
    clock.advance(1000);
    const retried = await queue.claim(5, 1000);
    expect(retried.tasks.map((t) => t.id).sort()).toEqual([failing!.id, released!.id].sort());
    const again = retried.tasks.find((t) => t.id === failing!.id)!;
    expect(await queue.fail([{ ...again, error: 'boom', retryDelayMs: 0 }])).toEqual(['dead']);
    const stats = await queue.stats();
    expect(stats.counts).toMatchObject({ done: 7, dead: 1, running: 1, pending: 0, retry: 0 });
    expect(await queue.requeueDead([failing!.id])).toMatchObject({ requeued: [failing!.id] });
    for (const p of queue.partitions) {
      const mine = ids.filter((id) => partitionOf(id) === p.partition);
      await expectConsistent(p, mine);
    }
  });

  it('completes and claims in one call across partitions', async () => {
    const { queue } = await fresh(2);
    await queue.enqueue(Array.from({ length: 4 }, () => task(queue)));
    const first = await queue.claim(1, 1000);
    const next = await queue.completeAndClaim(first.tasks, 3, 1000);
    expect(next.codes).toEqual(['ok']);
    expect(next.claim.tasks).toHaveLength(3);
    expect((await queue.stats()).counts).toMatchObject({ done: 1, running: 3 });
  });

  it('recovers expired leases and promotes due tasks in every partition (the reaper sees one queue)', async () => {
    const { queue, clock } = await fresh(3);
    await queue.enqueue(Array.from({ length: 6 }, () => task(queue)));
    await queue.enqueue(Array.from({ length: 3 }, () => task(queue, { delayMs: 500 })));
    const { tasks } = await queue.claim(6, 1000);
    expect(tasks).toHaveLength(6);
    expect(new Set(tasks.map((t) => partitionOf(t.id))).size).toBe(3);
    clock.advance(1001);
    expect((await queue.due()).earliest).toBeLessThanOrEqual(clock.now());
    expect((await queue.stats()).expiredLeases).toBe(6);
    const reaped = await queue.reap();
    expect(reaped.recovered.sort()).toEqual(tasks.map((t) => t.id).sort());
    expect((await queue.promote()).scheduled).toBe(3);
    expect((await queue.stats()).counts).toMatchObject({ pending: 9, running: 0, scheduled: 0 });
  });

  it('holds a concurrency limit across partitions as shares that add up to it', async () => {
    const { queue } = await fresh(3);
    await expect(queue.setLimits({ concurrency: 2 })).rejects.toMatchObject({ code: 'invalid' });
    await queue.setLimits({ concurrency: 4, rate: { max: 10, periodMs: 60_000 } });
    expect(await queue.limits()).toEqual({ concurrency: 4, rate: { max: 10, periodMs: 60_000 } });
    expect((await queue.stats()).limits).toEqual({ concurrency: 4, rate: { max: 10, periodMs: 60_000 } });
    expect((await Promise.all(queue.partitions.map((p) => p.limits()))).map((l) => l.concurrency)).toEqual([
      2, 1, 1,
    ]);
    await queue.enqueue(Array.from({ length: 30 }, () => task(queue)));
    // Three workers, each its own rotation, claim as much as they can.
    const workers = await Promise.all([0, 1, 2].map(() => PartitionedQueue.open(redis, queue.name)));
    let running = 0;
    for (let round = 0; round < 4; round++) {
      for (const w of workers) running += (await w.claim(5, 60_000)).tasks.length;
    }
    expect(running).toBe(4);
    expect((await queue.stats()).counts.running).toBe(4);
  });

  it('pauses and resumes every partition, and removes the logical queue only when all are empty', async () => {
    const { queue } = await fresh(3);
    const [only] = await queue.enqueue([task(queue)]);
    await queue.pause();
    expect((await queue.claim(1, 1000)).tasks).toEqual([]);
    expect((await queue.stats()).paused).toBe(true);
    await queue.resume();
    const { tasks } = await queue.claim(1, 1000);
    expect(tasks.map((t) => t.id)).toEqual([only!.id]);
    expect((await queue.remove('delete')).code).toBe('not_empty');
    await queue.complete(tasks);
    await queue.purgeDead();
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect((await queue.remove('delete')).code).toBe('removed');
    expect(await redis.sismember(QUEUES_KEY, queue.name)).toBe(0);
    // The layout stays: a producer may still route with it (ADR 0041).
    expect((await PartitionedQueue.open(redis, queue.name)).count).toBe(3);
  });

  it("a refused removal names the whole queue's counts, not one partition's", async () => {
    const { queue } = await fresh(3);
    // Without keys the tasks go round robin: every partition holds some.
    const stored = await queue.enqueue(Array.from({ length: 9 }, () => task(queue)));
    expect(new Set(stored.map((o) => partitionOf(o.id))).size).toBe(3);
    const refused = await queue.remove('delete');
    expect(refused.code).toBe('not_empty');
    expect(refused.counts.pending).toBe(9);
    expect(refused.counts).toEqual((await queue.stats()).counts);
  });

  it('never leaves a task of any partition outside the registry when an enqueue races an idle or operator removal, and keeps the layout', async () => {
    // Two connections, so both sides' commands interleave in every order the timing allows (ADR 0041).
    const other = connect();
    const keyTo = (queue: PartitionedQueue, index: number) => {
      let key = 0;
      while (queue.pick(task(queue, { partitionKey: `k${key}` })) !== index) key++;
      return `k${key}`;
    };
    try {
      for (let round = 0; round < 36; round++) {
        const { queue } = await fresh(3);
        const index = round % 3;
        // Registered and empty: a task in each partition, finished and trimmed.
        await queue.enqueue([0, 1, 2].map((i) => task(queue, { partitionKey: keyTo(queue, i) })));
        await queue.complete((await queue.claim(3, 30_000)).tasks);
        await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
        const remover = new PartitionedQueue(other, queue.name, queue.layout);
        const turns = Math.floor(round / 3) * 2;
        const late = async () => {
          for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
          return queue.enqueue([task(queue, { partitionKey: keyTo(queue, index) })]);
        };
        const mode = round % 2 === 0 ? 'idle' : 'delete';
        const [removal, [outcome]] = await Promise.all([remover.remove(mode), late()]);
        expect([round, removal.code === 'removed' || removal.code === 'not_empty']).toEqual([round, true]);
        expect([round, partitionOf(outcome!.id), (await queue.getTask(outcome!.id))?.status]).toEqual([
          round,
          index,
          'pending',
        ]);
        expect([round, await redis.sismember(QUEUES_KEY, queue.name)]).toEqual([round, 1]);
        expect([round, (await PartitionedQueue.open(redis, queue.name)).count]).toEqual([round, 3]);
        // The task keeps the layout for good, whichever way the race went (ADR 0050).
        expect([round, await redis.pttl(queueKeys(queue.name).meta)]).toEqual([round, -1]);
      }
    } finally {
      await closeRedis(other);
    }
  }, 300_000);

  it('refuses ids of other queues or partitions it does not have', async () => {
    const { queue } = await fresh(2);
    await expect(queue.getTask(newTaskId('other'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(queue.getTask(newTaskId(queue.name, undefined, 5))).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await queue.getTask(newTaskId(queue.name, undefined, 1))).toBeNull();
  });
});
