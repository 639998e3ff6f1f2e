import { createRedis, newTaskId, PartitionedQueue, Queue, type RedisClient } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { AckBuffer } from './ack-buffer';

let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL!);
});
afterAll(() => redis.quit());

/**
 * A queue with `n` claimed tasks; `calls` lists the size of each complete script call made through
 * `queue.complete`, `mostOut` the most such calls out at once.
 */
async function leased(n: number) {
  const queue = new Queue(redis, randomQueueName());
  await queue.enqueue(
    Array.from({ length: n }, () => ({ id: newTaskId(queue.name), type: 'x', payload: '1', maxAttempts: 1 })),
  );
  const { tasks } = await queue.claim(n, 30_000);
  expect(tasks).toHaveLength(n);
  const seen = { calls: [] as number[], out: 0, mostOut: 0 };
  const complete = queue.complete.bind(queue);
  queue.complete = async (items) => {
    seen.calls.push(items.length);
    seen.mostOut = Math.max(seen.mostOut, ++seen.out);
    try {
      return await complete(items);
    } finally {
      seen.out--;
    }
  };
  return { queue, tasks, seen, acks: new AckBuffer(20) };
}

const turnEnd = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AckBuffer (group commit)', () => {
  it('sends an acknowledgement made while none is out at once, with those made in the same run of callbacks', async () => {
    const { queue, tasks, seen, acks } = await leased(3);
    const codes = await Promise.all(tasks.map((t) => acks.complete(queue, t)));
    expect(codes).toEqual(['ok', 'ok', 'ok']);
    expect(seen.calls).toEqual([3]);
  });

  it('holds those made while a call is out until it is answered, then sends them in one call', async () => {
    const { queue, tasks, seen, acks } = await leased(5);
    const first = acks.complete(queue, tasks[0]!);
    await turnEnd(); // the first call went out at once; its answer comes in a later turn
    expect(seen.calls).toEqual([1]);
    // Made in one turn while the first is out (its answer cannot be read before this turn ends): held.
    const rest = tasks.slice(1).map((t) => acks.complete(queue, t));
    expect(await first).toBe('ok');
    expect(await Promise.all(rest)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(seen.calls).toEqual([1, 4]);
    expect(seen.mostOut).toBe(1);
    expect((await queue.stats()).counts).toMatchObject({ running: 0, done: 5 });
  });

  it('drain sends what is held and waits for every answer', async () => {
    const { queue, tasks, seen, acks } = await leased(4);
    const first = acks.complete(queue, tasks[0]!);
    await turnEnd();
    const rest = tasks.slice(1).map((t) => acks.complete(queue, t));
    await acks.drain();
    expect(seen.calls).toEqual([1, 3]);
    expect(seen.out).toBe(0);
    expect([await first, ...(await Promise.all(rest))]).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});

describe('AckBuffer on a partitioned queue', () => {
  /** A 3-partition queue with `n` claimed tasks spread over the partitions; counts complete calls per partition. */
  async function partitioned(n: number) {
    const queue = await PartitionedQueue.create(redis, randomQueueName(), 3);
    await queue.enqueue(
      Array.from({ length: n }, () => ({
        id: newTaskId(queue.name),
        type: 'x',
        payload: '1',
        maxAttempts: 1,
      })),
    );
    const { tasks } = await queue.claim(n, 30_000);
    expect(tasks).toHaveLength(n);
    const calls = new Map<number, number[]>();
    for (const partition of queue.partitions) {
      const complete = partition.complete.bind(partition);
      partition.complete = (items) => {
        calls.set(partition.partition, [...(calls.get(partition.partition) ?? []), items.length]);
        return complete(items);
      };
    }
    return { queue, tasks, calls, acks: new AckBuffer(20) };
  }

  it('sends the acknowledgements of each partition to that partition, one call per partition', async () => {
    const { queue, tasks, calls, acks } = await partitioned(6);
    const codes = await Promise.all(tasks.map((t) => acks.complete(queue.partitionOf(t.id), t)));
    expect(codes).toEqual(tasks.map(() => 'ok'));
    // Balanced producers put two tasks in each partition: one complete script each.
    expect(new Map([...calls].sort())).toEqual(
      new Map([
        [0, [2]],
        [1, [2]],
        [2, [2]],
      ]),
    );
    expect((await queue.stats()).counts).toMatchObject({ running: 0, done: 6 });
  });

  it('lets the completes of one partition ride with a call, and sends the others by themselves', async () => {
    const { queue, tasks, calls, acks } = await partitioned(6);
    const byPartition = (i: number) => tasks.filter((t) => queue.partitionOf(t.id).partition === i);
    // Two completes held for partition 1, one for partition 2, before the buffer's microtask sends them.
    const held = [...byPartition(1), byPartition(2)[0]!].map((t) =>
      acks.complete(queue.partitionOf(t.id), t),
    );
    const rode: string[][] = [];
    const together = acks.sendCompletesWith(queue, (items) => {
      rode.push(items.map((i) => i.id));
      return queue.completeAndClaim(items, 1, 30_000);
    });
    expect(together).toBeDefined();
    expect(await Promise.all(held)).toEqual(['ok', 'ok', 'ok']);
    // The partition with the most held went along with the call; the other one went alone.
    expect(rode).toEqual([byPartition(1).map((t) => t.id)]);
    expect(calls.get(2)).toEqual([1]);
    expect(calls.get(1)).toBeUndefined();
  });
});
