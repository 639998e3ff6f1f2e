import {
  ManualClock,
  PartitionedQueue,
  QUEUES_KEY,
  createRedis,
  newTaskId,
  parseTaskId,
  type RedisClient,
} from '@tq/core';
import { startRedisServer, testPartitions, waitFor, type RedisServer } from '@tq/testing';
import type { Registry } from 'prom-client';
import { Reaper, type ReaperOptions } from './reaper';
import { testQueue } from './test-queue';

// A private Redis: these tests discover every queue in tq:queues and count the server's commands.
let server: RedisServer;
let redis: RedisClient;
let clock: ManualClock;
const reapers: Reaper[] = [];
const QUEUES = 300;
const LEASE_MS = 1000;
/** Partitions of each queue these tests make (TQ_TEST_PARTITIONS): looks and sweeps run one script each. */
const N = testPartitions();

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
  clock = new ManualClock();
});
afterEach(async () => {
  await Promise.all(reapers.splice(0).map((r) => r.stop()));
});

const reaper = (options: Partial<ReaperOptions> = {}) => {
  const r = new Reaper({ redis, clock, random: () => 0.5, repairIntervalMs: 0, ...options });
  reapers.push(r);
  return r;
};

/** `n` queues (q000…), each with one finished task, so every one of them is known and not empty. */
async function manyQueues(n: number): Promise<PartitionedQueue[]> {
  const queues = await Promise.all(
    Array.from({ length: n }, (_, i) => testQueue(redis, `q${String(i).padStart(3, '0')}`, clock)),
  );
  await Promise.all(
    queues.map(async (q) => {
      await q.enqueue([{ id: newTaskId(q.name), type: 't', payload: '1', maxAttempts: 3 }]);
      await q.complete((await q.claim(1, LEASE_MS)).tasks);
    }),
  );
  return queues;
}

/** A task of `queue` claimed by a worker that then dies: its lease expires LEASE_MS later. */
async function abandon(queue: PartitionedQueue): Promise<string> {
  const id = newTaskId(queue.name);
  await queue.enqueue([{ id, type: 't', payload: '1', maxAttempts: 3 }]);
  expect((await queue.claim(1, LEASE_MS)).tasks).toHaveLength(1);
  return id;
}

/**
 * Script calls Redis has run so far (FCALL, ADR 0047), less those that failed: the first call of a script
 * finds no function ("Function not found"), loads it and is sent again.
 */
async function scriptCalls(): Promise<number> {
  const info = await redis.info('commandstats');
  const fcall = /^cmdstat_fcall:calls=(\d+),.*failed_calls=(\d+)/m.exec(info);
  return fcall ? Number(fcall[1]) - Number(fcall[2]) : 0;
}

/** The distinct `queue` label values of one metric. */
async function queueLabels(registry: Registry, name: string): Promise<Set<string>> {
  const { values } = await registry.getSingleMetric(name)!.get();
  return new Set(values.map((v) => String(v.labels.queue)));
}

describe('Reaper with many queues', () => {
  it('bounds the work of a pass: one O(1) look per queue, reap and promote only where work is due, a slice swept', async () => {
    const queues = await manyQueues(QUEUES);
    const r = reaper({ sweepQueuesPerPass: 50, dueQueuesPerPass: 10, idleLookMs: 0 });
    await r.runPass(); // loads the scripts it calls
    for (const q of queues.slice(0, 3)) await abandon(q);
    clock.advance(LEASE_MS + 1);
    const before = await scriptCalls();
    expect(await r.runPass()).toBe(true);
    const calls = (await scriptCalls()) - before;
    // 300 looks + 3 due queues × (reap + promote) + 50 swept × (trim + stats), looks and sweeps in each of
    // a queue's N partitions, reap and promote only in the one due. Before: 4 scripts per queue.
    expect(calls).toBe(QUEUES * N + 3 * 2 + 50 * 2 * N);
    for (const q of queues.slice(0, 3)) expect((await q.stats()).counts.running).toBe(0);
  });

  it('looks at a queue with nothing running, scheduled or in retry only every idleLookMs; one with a lease every pass', async () => {
    const queues = await manyQueues(QUEUES);
    const r = reaper({ sweepQueuesPerPass: 1, idleLookMs: 60_000 });
    await r.runPass(); // every queue looked at once: all idle
    await abandon(queues[7]!); // a lease taken after that look: the queue stays unseen until its next look
    const before = await scriptCalls();
    await r.runPass();
    expect((await scriptCalls()) - before).toBe(2 * N); // no look at all; 1 queue swept (trim + stats)
    const looked = await r.registry.getSingleMetric('tq_reaper_queues_looked')!.get();
    expect(looked.values[0]!.value).toBe(0);
    // The lease expires; with an idleLookMs shorter than the lease, a later look finds and recovers it.
    clock.advance(LEASE_MS + 1);
    const quick = reaper({ sweepQueuesPerPass: 1, idleLookMs: 1 });
    await waitFor(async () => {
      await quick.runPass();
      return (await queues[7]!.stats()).counts.pending === 1;
    });
  });

  it('recovers the most overdue queues first when more are due than a pass handles, and the rest next pass', async () => {
    const queues = await manyQueues(40);
    // Leases of queues 0..19 expire one ms apart, queue 19's first.
    for (let i = 19; i >= 0; i--) {
      await abandon(queues[i]!);
      clock.advance(1);
    }
    clock.advance(LEASE_MS);
    const r = reaper({ dueQueuesPerPass: 5, idleLookMs: 0 });
    await r.runPass();
    const running = async () =>
      (await Promise.all(queues.slice(0, 20).map(async (q) => (await q.stats()).counts.running))).flatMap(
        (n, i) => (n > 0 ? [i] : []),
      );
    expect(await running()).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await r.runPass();
    await r.runPass();
    await r.runPass();
    expect(await running()).toEqual([]);
  });

  it('sweeps every queue in turn: retention and gauges reach each within queues / sweepQueuesPerPass passes', async () => {
    const queues = await manyQueues(100);
    const r = reaper({
      sweepQueuesPerPass: 30,
      retention: { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 },
      idleRemoveAfterMs: 0,
    });
    for (let pass = 0; pass < 4; pass++) await r.runPass(); // ceil(100 / 30) = 4
    const done = await Promise.all(queues.map(async (q) => (await q.stats()).counts.done));
    expect(done.filter((n) => n > 0)).toEqual([]);
  });

  it('keeps at most metricsMaxQueues queue labels per metric; the other queues are summed under queue="~other"', async () => {
    await manyQueues(QUEUES);
    const r = reaper({ metricsMaxQueues: 5, idleRemoveAfterMs: 0 });
    await r.runPass();
    const labels = await queueLabels(r.registry, 'tq_queue_depth');
    expect(labels.size).toBe(6);
    expect(labels).toContain('~other');
    const { values } = await r.registry.getSingleMetric('tq_queue_depth')!.get();
    const doneOfOthers = values.find((v) => v.labels.queue === '~other' && v.labels.state === 'done')!.value;
    expect(doneOfOthers).toBe(QUEUES - 5);
    expect((await r.registry.metrics()).length).toBeLessThan(50_000);
  });

  it('removes a queue empty for idleRemoveAfterMs from tq:queues, never a paused one or one a worker serves, and frees its series', async () => {
    const [idle, paused, served] = await Promise.all(
      ['idle', 'paused', 'served'].map((n) => testQueue(redis, n, clock)),
    );
    await redis.sadd(QUEUES_KEY, 'idle', 'paused', 'served');
    await paused!.pause();
    await served!.register();
    const busy = (await manyQueues(1))[0]!;
    const r = reaper({ idleRemoveAfterMs: 1 });
    const known = async () => (await redis.smembers(QUEUES_KEY)).sort();
    await waitFor(
      async () => {
        await r.runPass();
        return !(await known()).includes(idle!.name);
      },
      { message: 'the idle queue removed', timeoutMs: 10_000 },
    );
    expect(await known()).toEqual(['paused', busy.name, 'served']);
    expect(await queueLabels(r.registry, 'tq_queue_depth')).not.toContain('idle');
    const { values } = await r.registry.getSingleMetric('tq_reaper_queues_removed_total')!.get();
    expect(values[0]!.value).toBe(1);
    // Its next task registers it again.
    await idle!.enqueue([{ id: newTaskId('idle'), type: 't', payload: '1', maxAttempts: 1 }]);
    expect(await known()).toContain('idle');
  });

  it('removes an idle partitioned queue only when every partition is empty, keeping its layout; its next task registers it again', async () => {
    const empty = await PartitionedQueue.create(redis, 'empty', 3, clock);
    const busy = await PartitionedQueue.create(redis, 'busy', 3, clock);
    clock.advance(60_000); // past the settle of the creation (a resize from one partition: ADR 0050)
    const keyTo = (index: number) => {
      let key = 0;
      while (
        busy.pick({ id: '', type: 't', payload: '1', maxAttempts: 1, partitionKey: `k${key}` }) !== index
      )
        key++;
      return `k${key}`;
    };
    const task = (queue: PartitionedQueue, index: number) => ({
      id: newTaskId(queue.name),
      type: 't',
      payload: '1',
      maxAttempts: 1,
      partitionKey: keyTo(index),
    });
    const [outcome] = await busy.enqueue([task(busy, 2)]);
    expect(parseTaskId(outcome!.id)!.partition).toBe(2);
    await redis.sadd(QUEUES_KEY, 'empty');
    const r = reaper({ idleRemoveAfterMs: 1 });
    const known = async () => (await redis.smembers(QUEUES_KEY)).sort();
    await waitFor(
      async () => {
        await r.runPass();
        return !(await known()).includes('empty');
      },
      { message: 'the empty partitioned queue removed', timeoutMs: 10_000 },
    );
    // The one with a task in partition 2 only stays, its task too.
    expect(await known()).toEqual(['busy']);
    expect(await busy.getTask(outcome!.id)).toMatchObject({ status: 'pending' });
    // The removed one keeps its layout, and a task in partition 1 (held by a producer that opened it
    // before) registers it again.
    expect((await PartitionedQueue.open(redis, 'empty')).count).toBe(3);
    const [again] = await empty.enqueue([task(empty, 1)]);
    expect(parseTaskId(again!.id)!.partition).toBe(1);
    expect(await known()).toEqual(['busy', 'empty']);
  });
});
