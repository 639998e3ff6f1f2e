import {
  FUNCTION_KEYS,
  ManualClock,
  ScheduleStore,
  createRedis,
  newTaskId,
  parseTaskId,
  type ClaimedTask,
  type PartitionedQueue,
  type RedisClient,
} from '@tq/core';
import { createLogger } from '@tq/ops';
import { logSink, metricSample, randomQueueName, startRedisServer, waitFor } from '@tq/testing';
import type { Registry } from 'prom-client';
import { Reaper, type ReaperOptions } from './reaper';
import { testQueue } from './test-queue';

const LEASE_MS = 1000;

/** The value of one counter or gauge series (0 when absent). */
async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await registry.getSingleMetric(name)!.get();
  const match = values.find((v) => {
    const series = (v as { metricName?: string }).metricName;
    if (series !== undefined && series !== `${name}_count`) return false;
    return Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want);
  });
  return match?.value ?? 0;
}

describe('Reaper', () => {
  let redis: RedisClient;
  let clock: ManualClock;
  let queue: PartitionedQueue;
  const reapers: Reaper[] = [];

  /** A reaper for the test's queue only (the test Redis holds other tests' queues too). */
  const reaper = (options: Partial<ReaperOptions> = {}) => {
    const r = new Reaper({
      redis,
      clock,
      queues: [queue.name],
      discoverQueues: false,
      random: () => 0.5,
      ...options,
    });
    reapers.push(r);
    return r;
  };

  /** Enqueues `n` tasks and claims them all with a lease of LEASE_MS, as a worker that then dies. */
  async function claimAndAbandon(n: number, maxAttempts = 3): Promise<ClaimedTask[]> {
    await queue.enqueue(
      Array.from({ length: n }, () => ({
        id: newTaskId(queue.name),
        type: 'job',
        payload: 'null',
        maxAttempts,
      })),
    );
    const claimed = await queue.claim(n, LEASE_MS);
    expect(claimed.tasks).toHaveLength(n);
    return claimed.tasks;
  }

  beforeEach(async () => {
    redis = createRedis(process.env.REDIS_URL!);
    clock = new ManualClock();
    queue = await testQueue(redis, randomQueueName('reaper'), clock);
  });
  afterEach(async () => {
    await Promise.all(reapers.splice(0).map((r) => r.stop()));
    await redis.quit();
  });

  it("creates its queues' counter series at 0 before the first pass", async () => {
    const r = reaper(); // not started
    const text = await r.registry.metrics();
    const q = queue.name;
    for (const [name, labels] of [
      ['tq_tasks_recovered_total', { queue: q }],
      ['tq_tasks_dead_lettered_total', { queue: q, reason: 'lease_expired' }],
      ['tq_orphans_repaired_total', { queue: q }],
      ['tq_tasks_promoted_total', { queue: q, from: 'scheduled' }],
      ['tq_tasks_promoted_total', { queue: q, from: 'retry' }],
      ['tq_tasks_trimmed_total', { queue: q, state: 'done' }],
      ['tq_tasks_trimmed_total', { queue: q, state: 'canceled' }],
      ['tq_tasks_trimmed_total', { queue: q, state: 'dead' }],
      ['tq_retention_unarchived_deleted_total', { queue: q }],
      ['tq_schedule_slots_total', { queue: q, outcome: 'fired' }],
      ['tq_schedule_slots_total', { queue: q, outcome: 'skipped_overlap' }],
      ['tq_schedule_slots_total', { queue: q, outcome: 'skipped_misfire' }],
      ['tq_reaper_pass_failures_total', {}],
    ] as const) {
      expect([name, labels, metricSample(text, name, labels)]).toEqual([name, labels, 0]);
    }
  });

  it('leaves a live lease alone and recovers it once expired, without spending an attempt', async () => {
    const [{ id }] = (await claimAndAbandon(1)) as [ClaimedTask];
    const r = reaper();
    clock.advance(LEASE_MS - 1);
    expect(await r.runPass()).toBe(true);
    expect((await queue.getTask(id))!.status).toBe('running');

    clock.advance(2);
    expect(await r.runPass()).toBe(true);
    const task = (await queue.getTask(id))!;
    expect(task).toMatchObject({ status: 'pending', attempt: 1 });
    expect(task.errors).toMatchObject([{ attempt: 1, error: 'lease expired: the worker died or stalled' }]);
    expect(await metric(r.registry, 'tq_tasks_recovered_total', { queue: queue.name })).toBe(1);
    expect(await metric(r.registry, 'tq_queue_depth', { queue: queue.name, state: 'pending' })).toBe(1);
    expect(await metric(r.registry, 'tq_reaper_last_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('sends a task whose attempts are spent to dead with reason lease_expired', async () => {
    const [{ id }] = (await claimAndAbandon(1, 1)) as [ClaimedTask];
    const r = reaper();
    clock.advance(LEASE_MS + 1);
    await r.runPass();
    expect(await queue.getTask(id)).toMatchObject({
      status: 'dead',
      deadReason: 'lease_expired',
      attempt: 1,
    });
    expect(
      await metric(r.registry, 'tq_tasks_dead_lettered_total', {
        queue: queue.name,
        reason: 'lease_expired',
      }),
    ).toBe(1);
  });

  it('recovers in bounded batches, looping while a batch comes back full, up to its per-pass cap', async () => {
    // One partition: the batch loop and its per-pass cap apply per partition (ADR 0041).
    queue = await testQueue(redis, randomQueueName('reaper'), clock, 1);
    await claimAndAbandon(25);
    clock.advance(LEASE_MS + 1);
    const r = reaper({ batchSize: 10, maxPerPass: 20 });
    await r.runPass();
    expect((await queue.stats()).counts).toMatchObject({ pending: 20, running: 5 });
    await r.runPass();
    expect((await queue.stats()).counts).toMatchObject({ pending: 25, running: 0 });
  });

  it('promotes due scheduled and retry tasks', async () => {
    await queue.enqueue([
      { id: newTaskId(queue.name), type: 'job', payload: 'null', maxAttempts: 3, delayMs: 5000 },
    ]);
    const [failing] = await claimAndAbandon(1);
    expect(await queue.fail([{ ...failing!, error: 'boom', retryDelayMs: 3000 }])).toEqual(['retry']);
    const r = reaper();
    clock.advance(4000);
    await r.runPass();
    expect((await queue.stats()).counts).toMatchObject({ pending: 1, scheduled: 1, retry: 0 });
    clock.advance(1000);
    await r.runPass();
    expect((await queue.stats()).counts).toMatchObject({ pending: 2, scheduled: 0, retry: 0 });
    expect(await metric(r.registry, 'tq_tasks_promoted_total', { queue: queue.name, from: 'retry' })).toBe(1);
    expect(
      await metric(r.registry, 'tq_tasks_promoted_total', { queue: queue.name, from: 'scheduled' }),
    ).toBe(1);
  });

  it('applies retention to finished and dead tasks', async () => {
    // One partition: each partition keeps ceil(cap / N) tasks (ADR 0041), so the count cap of 2 is exact
    // only there.
    queue = await testQueue(redis, randomQueueName('reaper'), clock, 1);
    await queue.complete(await claimAndAbandon(3));
    const r = reaper({
      retention: { finishedMaxAgeMs: 60_000, finishedMaxCount: 2, deadMaxAgeMs: 60_000, deadMaxCount: 10 },
    });
    await r.runPass();
    expect((await queue.stats()).counts.done).toBe(2); // over the count cap: the oldest went
    clock.advance(60_001);
    await r.runPass();
    expect((await queue.stats()).counts.done).toBe(0); // past the age limit
    expect(await metric(r.registry, 'tq_tasks_trimmed_total', { queue: queue.name, state: 'done' })).toBe(3);
  });

  it('repairs a task that says running but has no lease', async () => {
    const [{ id }] = (await claimAndAbandon(1)) as [ClaimedTask];
    await redis.zrem(queue.partitionOf(id).keys.running, parseTaskId(id)!.localId); // as after a partial loss of Redis data
    const r = reaper({ random: () => 0, repairIntervalMs: 60_000 }); // random 0: the first pass repairs
    await r.runPass();
    expect((await queue.getTask(id))!.status).toBe('pending');
    expect(await metric(r.registry, 'tq_orphans_repaired_total', { queue: queue.name })).toBe(1);
  });

  it('moves each of 500 expired tasks exactly once when two reapers run together', async () => {
    const ids = (await claimAndAbandon(500)).map((t) => t.id);
    clock.advance(LEASE_MS + 1);
    // Small batches and a 1 ms interval interleave the two reapers' scripts as much as possible.
    const a = reaper({ batchSize: 7, intervalMs: 1 });
    const b = reaper({ batchSize: 7, intervalMs: 1 });
    a.start();
    b.start();
    await waitFor(async () => (await queue.stats()).counts.running === 0, { timeoutMs: 10_000 });
    await Promise.all([a.stop(), b.stop()]);

    const byA = await metric(a.registry, 'tq_tasks_recovered_total', { queue: queue.name });
    const byB = await metric(b.registry, 'tq_tasks_recovered_total', { queue: queue.name });
    console.log(`two reapers recovered 500 tasks: ${byA} by one, ${byB} by the other`);
    expect(byA + byB).toBe(500);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect((await queue.stats()).counts).toMatchObject({ pending: 500, running: 0, dead: 0 });
    for (const id of ids) {
      const task = (await queue.getTask(id))!;
      expect(task.status).toBe('pending');
      expect(task.attempt).toBe(1);
      expect(task.errors).toHaveLength(1); // recovered once: a second recovery would add a second entry
    }
    const pending = await Promise.all(
      queue.partitions.map((p) => redis.lrange(`${p.keys.pendingPrefix}0`, 0, -1)),
    );
    expect(new Set(pending.flat()).size).toBe(500);
  });

  it('fires each schedule slot once with two reapers passing together, and counts it once', async () => {
    const store = new ScheduleStore(redis, clock);
    const start = clock.now();
    await store.create({
      id: `every-second-${queue.name}`,
      queue: queue.name,
      cron: '* * * * * *',
      timezone: 'UTC',
      task: { type: 'tick', payload: 'null', priority: 0, maxAttempts: 1 },
      misfire: 'skip',
      misfireGraceMs: 60_000,
      overlap: 'allow',
      paused: false,
    });
    const [a, b] = [reaper(), reaper()];
    for (let step = 0; step < 20; step++) {
      clock.advance(700);
      expect(await Promise.all([a.runPass(), b.runPass()])).toEqual([true, true]);
    }
    const pending = await queue.listTasks('pending', { limit: 100 });
    const slots = await Promise.all(
      pending.tasks.map(async (t) => (await queue.getTask(t.id))!.schedule!.slot),
    );
    expect(slots.sort()).toEqual(Array.from({ length: 14 }, (_, i) => start + (i + 1) * 1000));
    const fired = async (r: Reaper) =>
      metric(r.registry, 'tq_schedule_slots_total', { queue: queue.name, outcome: 'fired' });
    expect((await fired(a)) + (await fired(b))).toBe(14);
  });

  it('finds queues in tq:queues and publishes their gauges', async () => {
    const server = await startRedisServer();
    const privateRedis = createRedis(server.url);
    try {
      // Enqueued on a clock 60 s behind, so the age (read on Redis TIME) cannot be 0 by accident.
      const enqueuedAt = Date.now() - 60_000;
      const name = randomQueueName('found');
      const named = await testQueue(privateRedis, name, new ManualClock(enqueuedAt));
      await named.enqueue([{ id: newTaskId(named.name), type: 'job', payload: 'null', maxAttempts: 1 }]);
      const r = new Reaper({ redis: privateRedis });
      expect(await r.runPass()).toBe(true);
      const readAt = Date.now();
      expect(await metric(r.registry, 'tq_queue_depth', { queue: name, state: 'pending' })).toBe(1);
      expect(await metric(r.registry, 'tq_queue_paused', { queue: name })).toBe(0);
      const ageSeconds = await metric(r.registry, 'tq_queue_oldest_pending_age_seconds', { queue: name });
      expect(ageSeconds).toBeGreaterThanOrEqual(60);
      expect(ageSeconds).toBeLessThanOrEqual((readAt - enqueuedAt) / 1000);
    } finally {
      await privateRedis.quit();
      await server.stop();
    }
  });

  it('survives passes while Redis is down and succeeds again once it is back', async () => {
    const server = await startRedisServer();
    // The command timeout bounds each pass while Redis is down. 200 ms made the first pass (connecting,
    // then every script sent in full once) time out on a busy machine; 2 s still fails the down passes fast.
    const flaky = createRedis(server.url, { commandTimeoutMs: 2000 });
    try {
      const r = new Reaper({ redis: flaky, queues: ['q1'], intervalMs: 20 });
      expect(await r.runPass()).toBe(true);
      await server.kill();
      expect(await r.runPass()).toBe(false); // logged, counted, not thrown
      r.start(); // the schedule keeps going through failures
      await waitFor(async () => (await metric(r.registry, 'tq_reaper_pass_failures_total')) >= 3, {
        timeoutMs: 60_000,
      });
      await server.restart();
      const before = await metric(r.registry, 'tq_reaper_last_success_timestamp_seconds');
      await waitFor(
        async () => (await metric(r.registry, 'tq_reaper_last_success_timestamp_seconds')) > before,
        { timeoutMs: 60_000 },
      );
      await r.stop();
    } finally {
      flaky.disconnect();
      await server.stop();
    }
  }, 180_000);
});

describe("Reaper and other tq versions' script libraries (ADR 0065)", () => {
  const OLD = 'tq_claim_0123456789abcdef';

  it('deletes on its first pass a library no process loaded for functionRetentionMs, and counts it', async () => {
    // A private server: every reaper of the suite looks at the shared one's libraries.
    const server = await startRedisServer();
    const own = createRedis(server.url);
    try {
      const code = `#!lua name=${OLD}\nredis.register_function('${OLD}', function() return 1 end)`;
      await own.function('LOAD', code);
      await own.hset(FUNCTION_KEYS.loads, OLD, String(Date.now() - 60_000));
      const keeping = new Reaper({ redis: own, queues: ['q1'], functionRetentionMs: 0 });
      expect(await keeping.runPass()).toBe(true);
      expect(await own.function('LIST', 'LIBRARYNAME', OLD)).toHaveLength(1);
      const sink = logSink();
      const r = new Reaper({
        redis: own,
        queues: ['q1'],
        functionRetentionMs: 30_000,
        logger: createLogger('reaper', 'info', sink.stream),
      });
      expect(await r.runPass()).toBe(true);
      expect(await own.function('LIST', 'LIBRARYNAME', OLD)).toEqual([]);
      expect(await metric(r.registry, 'tq_reaper_function_libraries_deleted_total')).toBe(1);
      expect(sink.find('deleted the script libraries')).toEqual([
        expect.objectContaining({ libraries: [OLD], unusedForMs: 30_000 }),
      ]);
      // Its own libraries, loaded by the pass, stay.
      expect((await own.function('LIST', 'LIBRARYNAME', 'tq_*')).length).toBeGreaterThan(0);
    } finally {
      own.disconnect();
      await server.stop();
    }
  });
});
