import {
  randomQueueName,
  startRedisCluster,
  startRedisServer,
  waitFor,
  type RedisCluster,
  type RedisServer,
} from '@tq/testing';
import { closeRedis, createRedis } from './connection';
import { newTaskId, parseTaskId } from './ids';
import { hashSlot } from './keys';
import { PartitionedQueue } from './partitions';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import type { NewTask } from './types';

/**
 * An enqueue with a replica wait (ADR 0044) is acknowledged only once that many replicas hold it, on the
 * master that stored it. These tests start their own servers: a master with and without a replica, and a
 * Cluster with a replica per master.
 */
const task = (queue: string, extra: Partial<NewTask> = {}): NewTask => ({
  id: newTaskId(queue),
  type: 't',
  payload: '{}',
  maxAttempts: 1,
  ...extra,
});

describe('enqueue with a replica wait, one master', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let redis: RedisClient;
  let onReplica: RedisClient;
  beforeAll(async () => {
    master = await startRedisServer();
    replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    redis = createRedis(master.url);
    onReplica = createRedis(replica.url);
    await waitFor(async () => (await redis.info('replication')).includes('connected_slaves:1'), {
      message: 'the replica is attached',
    });
  });
  afterAll(async () => {
    await Promise.all([closeRedis(redis), closeRedis(onReplica)]);
    await replica.stop();
    await master.stop();
  });

  it('answers once the replica holds the task', async () => {
    const queue = new Queue(redis, randomQueueName('wait'));
    const tasks = [task(queue.name), task(queue.name)];
    const outcomes = await queue.enqueue(tasks, 0, 0, { replicas: 1, timeoutMs: 5000 });
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    // Read on the replica right after the answer: no waiting, the wait was the enqueue's.
    for (const o of outcomes) {
      expect(await onReplica.exists(`${queue.keys.taskPrefix}${parseTaskId(o.id)!.localId}`)).toBe(1);
    }
  });

  it('throws unavailable when fewer replicas confirm in time, and says the task may exist', async () => {
    const queue = new Queue(redis, randomQueueName('wait'));
    const one = task(queue.name);
    const error = await queue.enqueue([one], 0, 0, { replicas: 2, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'unavailable',
      details: { queue: queue.name, replicas: 1, replicasWanted: 2, waitTimeoutMs: 50 },
    });
    expect((error as Error).message).toMatch(/may exist.*same idempotency key/);
    // It was stored on the master: a retry with the same id (or idempotency key) finds it.
    expect((await queue.getTask(one.id))?.status).toBe('pending');
    expect((await queue.enqueue([one]))[0]!.status).toBe('created');
    expect((await queue.stats()).counts.pending).toBe(1);
  });
  it('sends one WAIT for the enqueues that come while one is out, not one each', async () => {
    const queue = new Queue(redis, randomQueueName('wait'));
    await queue.enqueue([task(queue.name)]);
    const waits = async () =>
      Number(/cmdstat_wait:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

    const before = await waits();
    const sent = Array.from({ length: 40 }, () =>
      queue.enqueue([task(queue.name)], 0, 0, { replicas: 1, timeoutMs: 5000 }),
    );
    expect((await Promise.all(sent)).map((o) => o[0]!.status)).toEqual(Array(40).fill('created'));
    expect((await waits()) - before).toBeLessThanOrEqual(3);

    // Without the replicas asked for, every WAIT takes its whole timeout: each caller is answered
    // after one or two of them, not after the WAITs of all the callers before it.
    const short = { replicas: 2, timeoutMs: 100 };
    const refused = await Promise.allSettled(
      Array.from({ length: 40 }, () => queue.enqueue([task(queue.name)], 0, 0, short)),
    );
    expect(refused.map((r) => r.status)).toEqual(Array(40).fill('rejected'));
    expect((await waits()) - before).toBeLessThanOrEqual(6);
  });
});

describe('enqueue with a replica wait on a Cluster', () => {
  let cluster: RedisCluster;
  let redis: RedisClient;
  beforeAll(async () => {
    cluster = await startRedisCluster({ replicas: 1 });
    redis = createRedis(cluster.url);
  });
  afterAll(async () => {
    await closeRedis(redis);
    await cluster.stop();
  });

  it('waits on the master of each partition: only the one whose replica is gone refuses', async () => {
    // No settle after the creation (ADR 0050): keyed tasks hash over the 3 partitions at once.
    const queue = await PartitionedQueue.create(redis, randomQueueName('wait'), 3, undefined, {
      settleMs: 0,
    });
    const masters = await Promise.all(queue.partitions.map((p) => cluster.masterOf(hashSlot(p.tag))));
    expect(new Set(masters.map((m) => m?.id)).size).toBe(3);
    const wait = { replicas: 1, timeoutMs: 300 };
    const byPartition = new Map<number, NewTask>();
    for (let i = 0; byPartition.size < 3; i++) {
      const t = task(queue.name, { partitionKey: `k${i}` });
      byPartition.set(queue.pick(t), t);
    }
    // The first wait on each master may take up to a second: a replica fresh from its (diskless) full sync
    // gets the stream, and with it WAIT's GETACK, only after its first periodic ACK (Redis 7.0; seen as
    // slave_repl_offset:0 with the link up). So the first write's wait gets more time; once it is confirmed
    // the stream flows and later waits answer at once.
    for (const t of byPartition.values()) {
      const first = { ...wait, timeoutMs: 5000 };
      expect((await queue.enqueue([{ ...t, id: newTaskId(queue.name) }], 0, 0, first))[0]!.status).toBe(
        'created',
      );
    }

    const lonely = masters[1]!;
    const replica = cluster.servers.find((n) => n.replicaOf === lonely.id)!;
    await replica.server.kill();
    const onLonely = createRedis(`redis://127.0.0.1:${lonely.port}`);
    await waitFor(async () => (await onLonely.info('replication')).includes('connected_slaves:0'), {
      message: 'the master sees its replica gone',
    }).finally(() => closeRedis(onLonely));
    for (const [partition, t] of byPartition) {
      const sent = queue.enqueue([{ ...t, id: newTaskId(queue.name) }], 0, 0, wait);
      if (partition === 1) await expect(sent).rejects.toMatchObject({ code: 'unavailable' });
      else expect((await sent)[0]!.status).toBe('created');
    }

    // One call over the three partitions: the whole call fails, but enqueueEach answers each task.
    const all = [...byPartition.values()].map((t) => ({ ...t, id: newTaskId(queue.name) }));
    await expect(queue.enqueue(all, 0, 0, wait)).rejects.toMatchObject({ code: 'unavailable' });
    const each = await queue.enqueueEach(
      all.map((t) => ({ ...t, id: newTaskId(queue.name) })),
      0,
      0,
      wait,
    );
    expect(each.map((r) => r.status)).toEqual(
      [...byPartition.keys()].map((p) => (p === 1 ? 'rejected' : 'fulfilled')),
    );
  });
});
