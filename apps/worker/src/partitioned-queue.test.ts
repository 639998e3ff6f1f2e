import { performance } from 'node:perf_hooks';
import { PartitionedQueue, RateLimitError, newTaskId, parseTaskId, type NewTask } from '@tq/core';
import { waitFor } from '@tq/testing';
import {
  aborted,
  closeHarnesses,
  deferred,
  metricValue,
  startHarness,
  type Harness,
} from './test-support/harness';
import { createWorker } from './worker';

afterEach(closeHarnesses);

/** Partitions of the queues here: on the 3-master test cluster (TQ_TEST_CLUSTER=1) one per master. */
const PARTITIONS = 3;

/** The partition a task id names (0 for `<queue>.<local id>`). */
const partitionOf = (id: string) => parseTaskId(id)!.partition ?? 0;

/** Stores a task in partition `index` itself (not where the queue would pick), with that partition's id. */
async function enqueueInto(h: Harness, index: number, type: string, extra: Partial<NewTask> = {}) {
  const name = h.queue.name;
  const [outcome] = await h.logical.partitions[index]!.enqueue([
    { id: newTaskId(name, undefined, index), type, payload: 'null', maxAttempts: 3, ...extra },
  ]);
  return outcome!.id;
}

/** The task once it ended, read through `queue` (default: the harness's layout). */
const finished = (h: Harness, id: string, queue = h.logical) =>
  waitFor(async () => {
    const t = (await queue.getTask(id))!;
    return ['done', 'dead', 'canceled'].includes(t.status) && t;
  });

describe('a worker on a partitioned queue (ADR 0040)', () => {
  it('processes every task spread over the partitions exactly once, with two workers on the queue', async () => {
    const runs = new Map<string, number>();
    const handlers = {
      count: ({ id }: { id: string }) => {
        runs.set(id, (runs.get(id) ?? 0) + 1);
        return Promise.resolve('ok');
      },
    };
    const h = await startHarness({ partitions: PARTITIONS, concurrency: 20, handlers });
    const second = createWorker({ redis: h.redis, queues: [h.queue.name], concurrency: 20, handlers });
    await second.start();
    try {
      const outcomes = await h.logical.enqueue(
        Array.from({ length: 600 }, (_, i) => ({
          id: newTaskId(h.queue.name),
          type: 'count',
          payload: String(i),
          maxAttempts: 1,
        })),
      );
      const ids = outcomes.map((o) => o.id);
      const perPartition = [0, 1, 2].map((p) => ids.filter((id) => partitionOf(id) === p).length);
      expect(perPartition).toEqual([200, 200, 200]); // balanced producers
      await waitFor(async () => (await h.logical.stats()).counts.done === ids.length, { timeoutMs: 60_000 });
      expect(ids.filter((id) => runs.get(id) !== 1)).toEqual([]);
      expect(runs.size).toBe(ids.length);
      const stats = await Promise.all(h.logical.partitions.map((p) => p.stats()));
      expect(stats.map((s) => [s.counts.done, s.counts.running, s.counts.pending])).toEqual([
        [200, 0, 0],
        [200, 0, 0],
        [200, 0, 0],
      ]);
      // One logical queue in the metrics: the queue label, no partition label. Counted once the worker has
      // the script's answer, which for completes riding with a claim comes after the claim's other partitions.
      const completed = async () =>
        (await metricValue(h.worker.registry, 'tq_tasks_completed_total', {
          queue: h.queue.name,
        })) + (await metricValue(second.registry, 'tq_tasks_completed_total', { queue: h.queue.name }));
      await waitFor(async () => (await completed()) === ids.length);
      const labels = (await h.worker.registry.getSingleMetric('tq_tasks_completed_total')!.get()).values.map(
        (v) => Object.keys(v.labels).sort(),
      );
      expect(labels).toContainEqual(['queue', 'type']);
      expect(labels.flat()).not.toContain('partition');
      expect(await metricValue(h.worker.registry, 'tq_stale_acks_total')).toBe(0);
    } finally {
      await second.stop();
    }
  });

  it('wakes an idle worker for a task enqueued into any partition, well before the idle poll', async () => {
    let started: (() => void) | undefined;
    const h = await startHarness({
      partitions: PARTITIONS,
      idlePollMs: 60_000, // only a wake message on the partition's channel can explain a fast start
      handlers: { ping: () => Promise.resolve(started?.()) },
    });
    const latencies: number[] = [];
    // Every partition twice: at least four of the six rounds go to a partition other than the cursor's.
    for (const index of [0, 1, 2, 2, 1, 0]) {
      await waitFor(() => h.worker.status().waiting);
      const begin = performance.now();
      const run = new Promise<void>((resolve) => (started = resolve));
      await enqueueInto(h, index, 'ping');
      await run;
      latencies.push(performance.now() - begin);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `partitioned queue (${PARTITIONS}), enqueue into partition 0,1,2,2,1,0 -> handler start: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms (median ${sorted[3]!.toFixed(1)})`,
    );
    // Polling would take 60 s; 10 s leaves room for a loaded machine.
    expect(sorted[5]).toBeLessThan(10_000);
  });

  it('starts a delayed task of any partition at its due time (a due message from that partition)', async () => {
    const h = await startHarness({
      partitions: PARTITIONS,
      idlePollMs: 60_000,
      handlers: { ping: () => Promise.resolve('pong') },
    });
    const late: number[] = [];
    for (const index of [1, 2, 0]) {
      await waitFor(() => h.worker.status().waiting);
      const task = await finished(h, await enqueueInto(h, index, 'ping', { delayMs: 100 }));
      late.push(task.startedAt! - task.runAt!);
    }
    console.log(
      `delayMs 100 in partitions 1, 2, 0 of an idle worker: started ${late.join(', ')} ms after due`,
    );
    for (const ms of late) expect(ms).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThan(500);
  });

  it('keeps retries, dead letters and postponements in the partition of each task', async () => {
    const h = await startHarness({
      partitions: PARTITIONS,
      backoff: { baseMs: 0, capMs: 0 },
      maxPostponements: 1,
      handlers: {
        flaky: ({ attempt }) => (attempt < 2 ? Promise.reject(new Error('boom')) : Promise.resolve('ok')),
        doomed: () => Promise.reject(new Error('always')),
        limited: ({ attempt }) =>
          attempt < 2 ? Promise.reject(new RateLimitError(10)) : Promise.resolve('ok'),
      },
    });
    const ids: Record<string, string[]> = { flaky: [], doomed: [], limited: [] };
    for (const type of Object.keys(ids))
      for (let index = 0; index < PARTITIONS; index++)
        ids[type]!.push(await enqueueInto(h, index, type, { maxAttempts: 2 }));
    const ended = async (type: string) => Promise.all(ids[type]!.map((id) => finished(h, id)));
    for (const task of await ended('flaky')) expect(task).toMatchObject({ status: 'done', attempt: 2 });
    for (const task of await ended('doomed'))
      expect(task).toMatchObject({ status: 'dead', attempt: 2, deadReason: 'max_attempts' });
    // One postponement spent no attempt; the second rate limit was attempt 1, then attempt 2 succeeded.
    for (const task of await ended('limited')) expect(task).toMatchObject({ status: 'done', attempt: 2 });
    const counts = await Promise.all(h.logical.partitions.map(async (p) => (await p.stats()).counts));
    expect(counts.map((c) => [c.done, c.dead, c.running, c.retry])).toEqual([
      [2, 1, 0, 0],
      [2, 1, 0, 0],
      [2, 1, 0, 0],
    ]);
    const queue = h.queue.name;
    const registry = h.worker.registry;
    // flaky's and doomed's first attempts, and limited's rate limit past its one postponement.
    expect(await metricValue(registry, 'tq_tasks_retried_total', { queue })).toBe(3 * PARTITIONS);
    expect(await metricValue(registry, 'tq_tasks_dead_lettered_total', { queue })).toBe(PARTITIONS);
    expect(await metricValue(registry, 'tq_tasks_postponed_total', { queue })).toBe(PARTITIONS);
  });

  it('extends leases, stores progress and ends a canceled task in the partition its id names', async () => {
    const cancel = deferred();
    const h = await startHarness({
      partitions: PARTITIONS,
      // Extends every ~670 ms: a handler outliving the lease needs them. A lease of 2 s, not less: past it
      // without an extension (an event loop or Redis stalled that long on a busy machine) the worker gives
      // the task up by design (ADR 0006) and, with no reaper here, it would never end.
      visibilityTimeoutMs: 2000,
      handlers: {
        slow: async (ctx) => {
          await ctx.progress(50);
          await new Promise((resolve) => setTimeout(resolve, 2500)); // longer than the lease
          return 'ok';
        },
        long: async ({ signal }) => {
          cancel.resolve();
          await aborted(signal);
        },
      },
    });
    const slow = await Promise.all([0, 1, 2].map((index) => enqueueInto(h, index, 'slow')));
    const long = await enqueueInto(h, 2, 'long');
    for (const id of slow) expect(await finished(h, id)).toMatchObject({ status: 'done', attempt: 1 });
    expect(await Promise.all(slow.map(async (id) => (await h.task(id)).progress))).toEqual([
      '50',
      '50',
      '50',
    ]);
    await cancel.promise;
    expect((await h.logical.cancelTasks([long], true))[0]).toMatchObject({ code: 'cancel_requested' });
    expect(await finished(h, long)).toMatchObject({ status: 'canceled', attempt: 1 });
    expect(await metricValue(h.worker.registry, 'tq_lease_extensions_total')).toBeGreaterThan(0);
    expect(await metricValue(h.worker.registry, 'tq_stale_acks_total')).toBe(0);
  });

  it('releases the tasks it runs to their partitions on shutdown', async () => {
    const h = await startHarness({
      partitions: PARTITIONS,
      shutdownTimeoutMs: 0,
      handlers: { hang: ({ signal }) => aborted(signal) },
    });
    const ids = await Promise.all([0, 1, 2].map((index) => enqueueInto(h, index, 'hang')));
    await waitFor(() => h.worker.status().busySlots === ids.length);
    await h.worker.stop();
    const counts = await Promise.all(h.logical.partitions.map(async (p) => (await p.stats()).counts));
    expect(counts.map((c) => [c.pending, c.running])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    for (const id of ids) expect(await h.task(id)).toMatchObject({ status: 'pending', attempt: 0 });
    expect(await metricValue(h.worker.registry, 'tq_tasks_released_total')).toBe(ids.length);
  });

  it('picks up a layout made after it started, and acknowledges a task claimed under the old one', async () => {
    const held = deferred();
    const running = deferred();
    let started: (() => void) | undefined;
    const h = await startHarness({
      partitions: 0, // no layout until the test makes one
      layoutTtlMs: 100,
      idlePollMs: 60_000, // no poll: a wake message (partition 0's, then the new partitions') or nothing
      visibilityTimeoutMs: 900,
      handlers: {
        held: async () => {
          running.resolve();
          await held.promise; // runs across the layout change; its lease is extended meanwhile
          return 'ok';
        },
        ping: () => Promise.resolve(started?.()),
      },
    });
    const old = await h.enqueue('held', null);
    await running.promise;
    expect(partitionOf(old)).toBe(0);

    const logical = await PartitionedQueue.create(h.redis, h.queue.name, PARTITIONS);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the layout TTL (an age, not a race)
    // Partition 0's channel is the one the worker listens to: this wakes it, its claim reads the layout.
    const first = await enqueueInto(h, 0, 'ping');
    expect(await finished(h, first)).toMatchObject({ status: 'done' });
    // The new partitions: claimed, and each wakes the idle worker by its own channel.
    const latencies: number[] = [];
    for (const index of [1, 2, 2, 1]) {
      await waitFor(() => h.worker.status().waiting && h.worker.status().busySlots === 1);
      const begin = performance.now();
      const run = new Promise<void>((resolve) => (started = resolve));
      const [outcome] = await logical.partitions[index]!.enqueue([
        { id: newTaskId(h.queue.name, undefined, index), type: 'ping', payload: 'null', maxAttempts: 1 },
      ]);
      await run;
      latencies.push(performance.now() - begin);
      expect(await finished(h, outcome!.id, logical)).toMatchObject({ status: 'done' });
    }
    console.log(
      `after the layout change, enqueue into partition 1,2,2,1 -> start: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    );
    expect(Math.max(...latencies)).toBeLessThan(10_000); // 60 s without the new channels

    // The task claimed under the one-partition layout is acknowledged in its partition, attempt 1.
    held.resolve();
    expect(await finished(h, old)).toMatchObject({ status: 'done', attempt: 1 });
    expect(await metricValue(h.worker.registry, 'tq_stale_acks_total')).toBe(0);
  });

  it('makes a queue it is first to use partitioned with defaultPartitions, and leaves an existing one as it is', async () => {
    const handlers = { ping: () => Promise.resolve('pong') };
    const fresh = await startHarness({ partitions: 0, defaultPartitions: PARTITIONS, handlers });
    expect((await PartitionedQueue.open(fresh.redis, fresh.queue.name)).count).toBe(PARTITIONS);

    const existing = await startHarness({
      partitions: 0,
      defaultPartitions: PARTITIONS,
      start: false,
      handlers,
    });
    const id = await existing.enqueue('ping', null); // the queue exists (registered, unpartitioned)
    await existing.worker.start();
    expect(await finished(existing, id)).toMatchObject({ status: 'done' });
    expect((await PartitionedQueue.open(existing.redis, existing.queue.name)).count).toBe(1);
  });

  it('holds a concurrency limit across the partitions with two workers, and runs every task', async () => {
    let now = 0;
    let most = 0;
    const handlers = {
      // Long enough that the workers' slots (20) would run far more than the limit at once.
      slow: async () => {
        most = Math.max(most, ++now);
        await new Promise((resolve) => setTimeout(resolve, 20));
        now--;
      },
    };
    // 60 s idle poll: a partition whose share frees wakes the workers through its own channel.
    const h = await startHarness({ partitions: PARTITIONS, concurrency: 20, idlePollMs: 60_000, handlers });
    const second = createWorker({
      redis: h.redis,
      queues: [h.queue.name],
      concurrency: 20,
      idlePollMs: 60_000,
      handlers,
    });
    await second.start();
    try {
      await h.logical.setLimits({ concurrency: 4 }); // shares 2, 1, 1
      const outcomes = await h.logical.enqueue(
        Array.from({ length: 60 }, () => ({
          id: newTaskId(h.queue.name),
          type: 'slow',
          payload: 'null',
          maxAttempts: 1,
        })),
      );
      await waitFor(async () => (await h.logical.stats()).counts.done === outcomes.length, {
        timeoutMs: 60_000,
      });
      expect(most).toBeLessThanOrEqual(4);
      expect(most).toBeGreaterThan(1); // more than one partition ran at once
    } finally {
      await second.stop();
    }
  });
});
