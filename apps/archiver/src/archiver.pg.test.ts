import {
  ARCHIVE_KEY,
  PartitionedQueue,
  Queue,
  createRedis,
  newTaskId,
  parseTaskId,
  type RedisClient,
} from '@tq/core';
import { HistoryStore } from '@tq/history';
import {
  randomQueueName,
  startPostgresServer,
  startTestPostgres,
  waitFor,
  type TestPostgres,
} from '@tq/testing';
import { Archiver, type ArchiverOptions } from './archiver';
import {
  archivedRows,
  finishTasks,
  metric,
  queueWithFinished,
  redisStates,
  retentionLoop,
} from './test-support/finished-tasks';

let redis: RedisClient;
let pg: TestPostgres;
let store: HistoryStore;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL!);
  pg = await startTestPostgres();
  store = new HistoryStore({ url: pg.url });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await store?.close();
  await pg?.stop();
  redis?.disconnect();
});

function archiver(options: Partial<ArchiverOptions> = {}): Archiver {
  const a = new Archiver({ redis, store, intervalMs: 20, maxBackoffMs: 200, ...options });
  running.push(a);
  return a;
}

/** Retention that deletes every finished task at once, when the archive lets it. */
const TRIM_ALL = { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 };

describe('Archiver against a real Redis and a real PostgreSQL', () => {
  it('archives every finished task once, with the state Redis holds, then lets retention delete them', async () => {
    const queue = await queueWithFinished(redis, 2500);
    const before = await redisStates(queue);
    const a = archiver({ batchSize: 400 });
    expect(await a.runPass()).toBe(true);

    expect(await redis.exists(ARCHIVE_KEY)).toBe(1);
    const { rows, duplicates } = await archivedRows(store, queue.name);
    expect(duplicates).toBe(0);
    expect(rows).toEqual(before);
    expect(await metric(a.registry, 'tq_archived_tasks_total', { queue: queue.name })).toBe(2500);
    const dead = [...before].find(([, t]) => t.status === 'dead')![0];
    expect(await store.find(dead)).toMatchObject({
      status: 'dead',
      deadReason: 'permanent',
    });

    await queue.trim(TRIM_ALL, 10_000, { holdMax: 0 }); // the reaper's retention, archiving on
    expect((await redisStates(queue)).size).toBe(0);
    await a.runPass();
    expect(await metric(a.registry, 'tq_archive_lag_seconds', { queue: queue.name })).toBe(0);
  });

  it('shares queues between archivers with no leader: each task archived once, none missed', async () => {
    const queues = await Promise.all([1, 2, 3, 4].map(() => queueWithFinished(redis, 600, 'share')));
    const archivers = [
      archiver({ batchSize: 50, concurrency: 2 }),
      archiver({ batchSize: 50, concurrency: 2 }),
    ];
    await Promise.all(archivers.map((a) => a.runPass()));
    await Promise.all(archivers.map((a) => a.runPass()));
    for (const queue of queues) {
      const { rows, duplicates } = await archivedRows(store, queue.name);
      expect([queue.name, duplicates, rows]).toEqual([queue.name, 0, await redisStates(queue)]);
    }
  });

  it('loses nothing and doubles nothing when PostgreSQL dies mid-archive: retention holds the tasks, the lag shows', async () => {
    // A PostgreSQL of our own: the shared one is never stopped.
    const server = await startPostgresServer();
    const own = new HistoryStore({ url: server.url, connectTimeoutMs: 1000 });
    const queue = await queueWithFinished(redis, 6000, 'outage');
    const a = archiver({ store: own, batchSize: 200, intervalMs: 10 });
    try {
      a.start();
      running.push(retentionLoop([queue], 20));
      // Mid-archive: some batches are in, others not yet.
      await waitFor(
        async () => (await metric(a.registry, 'tq_archived_tasks_total', { queue: queue.name })) > 0,
        {
          intervalMs: 1,
          message: 'a first batch archived',
        },
      );
      await server.kill();
      const more = await finishTasks(queue, 300); // finished during the outage
      await waitFor(async () => (await metric(a.registry, 'tq_archive_database_up')) === 0, {
        message: 'the archiver sees PostgreSQL down',
      });
      // Retention goes on for the confirmed tasks, and holds the others: nothing of them leaves Redis.
      const lagDuringOutage = await waitFor(async () => {
        const lag = await metric(a.registry, 'tq_archive_lag_seconds', { queue: queue.name });
        return lag > 0.2 && lag;
      });
      const held = await redisStates(queue);
      for (const id of more) expect([id, held.has(id)]).toEqual([id, true]);
      expect(held.size).toBeGreaterThanOrEqual(300);
      expect(lagDuringOutage).toBeGreaterThan(0.2);

      await server.restart();
      await waitFor(async () => (await redisStates(queue)).size === 0, {
        timeoutMs: 60_000,
        message: 'every task archived and then trimmed',
      });
      const { rows, duplicates } = await archivedRows(own, queue.name);
      expect(duplicates).toBe(0);
      expect(rows.size).toBe(6300);
      for (const id of more) expect(rows.get(id)?.status).toMatch(/^(done|dead|canceled)$/);
      expect(await metric(a.registry, 'tq_archive_database_up')).toBe(1);
    } finally {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await own.close();
      await server.stop();
    }
  });

  it('races retention: with retention and two archivers running against workers, every task is in Redis or PostgreSQL in its final state', async () => {
    const queue = new Queue(redis, randomQueueName('race'));
    // Two reapers' retention, concurrently.
    running.push(retentionLoop([queue]), retentionLoop([queue]));
    const archivers = [
      archiver({ batchSize: 30, intervalMs: 5 }),
      archiver({ batchSize: 30, intervalMs: 5 }),
    ];
    archivers.forEach((a) => a.start());

    // The model: each task's final state, as its last transition left it.
    const final = new Map<string, string>();
    const settle = (tasks: { id: string }[], status: string) => tasks.forEach((t) => final.set(t.id, status));
    for (let round = 0; round < 40; round++) {
      const batch = Array.from({ length: 50 }, () => ({
        id: newTaskId(queue.name),
        type: 't',
        payload: '1',
        maxAttempts: 1,
      }));
      await queue.enqueue(batch);
      const { tasks } = await queue.claim(100, 60_000);
      await queue.complete(tasks.slice(0, 40));
      settle(tasks.slice(0, 40), 'done');
      await queue.fail(tasks.slice(40).map((t) => ({ ...t, error: 'x', retryDelayMs: 0 })));
      settle(tasks.slice(40), 'dead');
      // A later state of tasks perhaps archived as dead already: redriven, they finish done.
      if (round % 10 === 5)
        settle(
          (await queue.requeueDead()).requeued.map((id) => ({ id })),
          'pending',
        );
    }
    for (
      let left = await queue.claim(1000, 60_000);
      left.tasks.length > 0;
      left = await queue.claim(1000, 60_000)
    ) {
      await queue.complete(left.tasks);
      settle(left.tasks, 'done');
    }
    await waitFor(async () => (await redisStates(queue)).size === 0, {
      timeoutMs: 60_000,
      message: 'every task archived and trimmed',
    });
    const { rows, duplicates } = await archivedRows(store, queue.name);
    expect(duplicates).toBe(0);
    expect(new Map([...rows].map(([id, r]) => [id, r.status]))).toEqual(final);
    expect(final.size).toBe(2000);
  });

  it('deletes the row it just wrote when a user deleted the task while it wrote', async () => {
    const queue = await queueWithFinished(redis, 3, 'del');
    const [id] = [...(await redisStates(queue)).keys()];
    // The user's delete (TaskService: Redis, then the row) lands while the archiver's upsert runs.
    class RacingStore extends HistoryStore {
      override async upsert(records: Parameters<HistoryStore['upsert']>[0]): Promise<number> {
        const n = await super.upsert(records);
        await queue.deleteFinished(id!);
        await this.delete([id!]);
        return n;
      }
    }
    const racing = new RacingStore({ url: pg.url });
    try {
      await archiver({ store: racing }).runPass();
      expect(await store.find(id!)).toBeNull();
      expect((await archivedRows(store, queue.name)).rows.size).toBe(2);
    } finally {
      await racing.close();
    }
  });

  describe('a partitioned queue (ADR 0041)', () => {
    /** A 3-partition queue with `n` finished tasks spread over its partitions. */
    async function partitionedWithFinished(n: number) {
      const queue = await PartitionedQueue.create(redis, randomQueueName('parch'), 3);
      const ids = await finishTasks(queue, n);
      expect(new Set(ids.map((id) => parseTaskId(id)!.partition ?? 0))).toEqual(new Set([0, 1, 2]));
      return queue;
    }
    const states = async (queue: PartitionedQueue) =>
      new Map((await Promise.all(queue.partitions.map(redisStates))).flatMap((m) => [...m]));

    it('archives the finished tasks of every partition, once, and lets retention trim every partition', async () => {
      const queue = await partitionedWithFinished(900);
      const before = await states(queue);
      expect(before.size).toBe(900);
      const a = archiver({ batchSize: 100 });
      expect(await a.runPass()).toBe(true);

      const { rows, duplicates } = await archivedRows(store, queue.name);
      expect(duplicates).toBe(0);
      expect(rows).toEqual(before);
      expect(await metric(a.registry, 'tq_archived_tasks_total', { queue: queue.name })).toBe(900);
      await Promise.all(queue.partitions.map((p) => p.trim(TRIM_ALL, 10_000, { holdMax: 0 })));
      expect((await states(queue)).size).toBe(0);
      await a.runPass();
      expect(await metric(a.registry, 'tq_archive_lag_seconds', { queue: queue.name })).toBe(0);
    });

    it('holds each partition under its own lease: a partition another archiver holds does not hold back the others', async () => {
      const queue = await partitionedWithFinished(300);
      const held = queue.partitions[1]!;
      expect((await held.archiveClaim('another archiver', 60_000, 1, 1 << 20)).code).toBe('ok');
      const a = archiver({ concurrency: 1 });
      expect(await a.runPass()).toBe(true);

      const { rows } = await archivedRows(store, queue.name);
      const [zero, one, two] = await Promise.all(queue.partitions.map(redisStates));
      expect([...rows.keys()].sort()).toEqual([...zero!.keys(), ...two!.keys()].sort());
      expect([...one!.keys()].filter((id) => rows.has(id))).toEqual([]);
    });
  });
});
