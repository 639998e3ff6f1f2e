import { randomQueueName } from '@tq/testing';
import { closeRedis } from './connection';
import { newTaskId } from './ids';
import { QUEUES_KEY, queueKeys } from './keys';
import { PartitionedQueue } from './partitions';
import { Queue } from './queue';
import { QueueDirectory } from './queue-directory';
import type { RedisClient } from './scripts';
import { connect } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

describe('QueueDirectory', () => {
  it('opens an unpartitioned queue as one partition, and a partitioned one with its layout', async () => {
    const directory = new QueueDirectory(redis);
    const plain = await directory.open(randomQueueName('dir'));
    expect(plain.count).toBe(1);
    const name = randomQueueName('dir');
    await PartitionedQueue.create(redis, name, 3);
    expect((await directory.open(name)).count).toBe(3);
  });

  it('keeps one queue object per name while the layout is fresh, and reads the layout again after the TTL', async () => {
    let now = 0;
    const directory = new QueueDirectory(redis, undefined, { layoutTtlMs: 1000, now: () => now });
    const name = randomQueueName('dir');
    const first = await directory.open(name);
    expect(first.count).toBe(1);
    await PartitionedQueue.create(redis, name, 2);
    expect(await directory.open(name)).toBe(first); // within the TTL: the layout read before
    now += 999;
    expect(await directory.open(name)).toBe(first);
    now += 1;
    const second = await directory.open(name);
    expect(second.count).toBe(2);
    now += 1000;
    expect(await directory.open(name)).toBe(second); // read again, same layout: same object (its cursor kept)
  });

  it('refuses a name that is not a queue name, and forgets a layout on request', async () => {
    const directory = new QueueDirectory(redis);
    expect(() => directory.open('bad name')).toThrow(/queue name/i);
    const name = randomQueueName('dir');
    const first = await directory.open(name);
    await PartitionedQueue.create(redis, name, 2);
    directory.forget(name);
    expect((await directory.open(name)).count).toBe(2);
    expect(first.count).toBe(1);
  });

  it('writes back a partitioned layout it held when Redis lost it, so the tasks it routed there are served', async () => {
    let now = 0;
    const producer = new QueueDirectory(redis, undefined, { layoutTtlMs: 1000, now: () => now });
    const name = randomQueueName('dir');
    await PartitionedQueue.create(redis, name, 3);
    const held = await producer.open(name, { create: true });
    expect(held.count).toBe(3);
    // Redis loses the queue (a restart without persistence, an eviction): its layout and its registration.
    await redis.del(queueKeys(name).meta);
    await redis.srem(QUEUES_KEY, name);
    // Within its TTL the producer still routes by the layout it read: tasks without a key spread over it.
    const tasks = Array.from({ length: 12 }, (_, i) => ({
      id: newTaskId(name),
      type: 't',
      payload: String(i),
      maxAttempts: 1,
    }));
    const ids = (await held.enqueue(tasks)).map((outcome) => outcome.id);
    expect(ids.some((id) => held.partitionOf(id).partition > 0)).toBe(true);
    now += 1000;
    const reread = await producer.open(name);
    expect(reread.count).toBe(3);
    expect(reread.layout.suffixes).toEqual(held.layout.suffixes);
    // A process that never saw the queue before reads the layout written back and serves every partition.
    const worker = await new QueueDirectory(redis).open(name, { create: true });
    expect(worker.count).toBe(3);
    const claimed = await worker.claim(tasks.length, 60_000);
    expect(claimed.tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
  });

  it('reads a layout again on request within its TTL, and writes back a held one that is gone', async () => {
    const directory = new QueueDirectory(redis); // TTL 5 s: these reads come from refresh
    const name = randomQueueName('dir');
    expect((await directory.open(name)).count).toBe(1);
    await PartitionedQueue.create(redis, name, 2);
    expect((await directory.refresh(name)).count).toBe(2);
    await redis.del(queueKeys(name).meta);
    const restored = await directory.refresh(name);
    expect(restored.count).toBe(2);
    expect((await PartitionedQueue.open(redis, name)).count).toBe(2);
  });

  it('leaves alone a layout that was never partitioned, or that nobody here held', async () => {
    let now = 0;
    const directory = new QueueDirectory(redis, undefined, { layoutTtlMs: 1000, now: () => now });
    const plain = randomQueueName('dir');
    await PartitionedQueue.create(redis, plain, 1); // a stored layout of one partition
    expect((await directory.open(plain)).layout.generation).toBe(1);
    await redis.del(queueKeys(plain).meta);
    now += 1000;
    expect((await directory.open(plain)).layout.generation).toBe(0);
    expect(await redis.exists(queueKeys(plain).meta)).toBe(0);
    const unseen = randomQueueName('dir');
    expect((await directory.open(unseen)).count).toBe(1);
    expect(await redis.exists(queueKeys(unseen).meta)).toBe(0);
  });

  describe('defaultPartitions', () => {
    it('creates a new queue with that many partitions when it is opened to enqueue or claim, not to read', async () => {
      const directory = new QueueDirectory(redis, undefined, { defaultPartitions: 3 });
      const name = randomQueueName('dir');
      expect((await directory.open(name)).count).toBe(1); // a read leaves a missing queue alone
      expect((await PartitionedQueue.open(redis, name)).layout.generation).toBe(0);
      const created = await directory.open(name, { create: true });
      expect(created.count).toBe(3);
      expect((await PartitionedQueue.open(redis, name)).count).toBe(3); // stored: every process sees it
      expect(await directory.open(name, { create: true })).toBe(created);
      expect(await directory.open(name)).toBe(created);
    });

    it('lets concurrent creators agree on one layout, the first stored, whatever their defaults', async () => {
      const name = randomQueueName('dir');
      const opened = await Promise.all(
        [2, 3, 3, 4].map((n) =>
          new QueueDirectory(redis, undefined, { defaultPartitions: n }).open(name, { create: true }),
        ),
      );
      const stored = await PartitionedQueue.open(redis, name);
      expect(stored.count).toBeGreaterThan(1);
      for (const queue of opened) expect(queue.layout).toEqual(stored.layout);
    });

    it('never repartitions a queue that already exists (that would be a resize)', async () => {
      const name = randomQueueName('dir');
      const existing = new Queue(redis, name);
      await existing.enqueue([{ id: newTaskId(name), type: 't', payload: '1', maxAttempts: 1 }]);
      const directory = new QueueDirectory(redis, undefined, { defaultPartitions: 3 });
      expect((await directory.open(name, { create: true })).count).toBe(1);
      expect((await PartitionedQueue.open(redis, name)).layout.generation).toBe(0);
      await PartitionedQueue.create(redis, `${name}-2`, 2);
      expect((await directory.open(`${name}-2`, { create: true })).count).toBe(2);
    });

    it('applies once a read opened the queue first, and refuses a count out of range', async () => {
      let now = 0;
      const directory = new QueueDirectory(redis, undefined, { defaultPartitions: 2, now: () => now });
      const name = randomQueueName('dir');
      expect((await directory.open(name)).count).toBe(1);
      expect((await directory.open(name, { create: true })).count).toBe(2); // within the TTL too
      now += 10_000;
      expect((await directory.open(name)).count).toBe(2);
      for (const bad of [0, 1.5, 257])
        expect(() => new QueueDirectory(redis, undefined, { defaultPartitions: bad })).toThrow(
          /defaultPartitions/,
        );
    });
  });
});
