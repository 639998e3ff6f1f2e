import { waitFor } from '@tq/testing';
import { type RedisClient } from './scripts';
import { connect, enqueue, freshQueue, listen } from './test-support/fixtures';

// A claim parked behind a blocking pop of the queue's signal list (ADR 0061), on a real Redis.

let redis: RedisClient;
let blocking: RedisClient;
beforeAll(() => {
  redis = connect();
  // A connection of its own: a parked claim blocks it.
  blocking = (redis.duplicate as () => RedisClient).call(redis);
});
afterAll(async () => {
  await blocking.quit();
  await redis.quit();
});

const LEASE = 30_000;
const LONG_PARK_MS = 20_000;

/** Resolves once a client of Redis is blocked (the parked claim's pop has arrived). */
async function parkedInRedis(): Promise<void> {
  await waitFor(async () => /blocked_clients:[1-9]/.test(await redis.info('clients')), {
    message: 'the parked claim blocked in Redis',
  });
}

describe('Queue.parkedClaim (ADR 0061)', () => {
  it('leases a task the moment it is enqueued, and names the wake it took, as the message does', async () => {
    const { queue } = freshQueue(redis);
    const wakes = await listen(redis, queue.keys.wakeChannel);
    try {
      const parked = queue.parkedClaim(blocking, 5, LEASE, LONG_PARK_MS, 'w1');
      await parkedInRedis();
      const [id] = await enqueue(queue, {});
      const { wake, claim } = await parked;
      expect(claim.tasks.map((t) => [t.id, t.attempt])).toEqual([[id, 1]]);
      expect(await redis.hget(`${queue.keys.taskPrefix}${id!.split('.').at(-1)}`, 'status')).toBe('running');
      await waitFor(() => wakes.messages.length === 1, { message: 'the wake message' });
      expect(wake).toBe(wakes.messages[0]);
      // The pop took the one wake: nothing is left to wake another parked claim.
      expect(await redis.exists(queue.keys.signal)).toBe(0);
    } finally {
      await wakes.stop();
    }
  });

  it('ends at once when its worker unparks it, and claims then', async () => {
    const { queue } = freshQueue(redis);
    const parked = queue.parkedClaim(blocking, 5, LEASE, LONG_PARK_MS, 'w2');
    await parkedInRedis();
    const begin = Date.now();
    await queue.unpark('w2');
    expect(await parked).toMatchObject({ wake: null, claim: { tasks: [] } });
    expect(Date.now() - begin).toBeLessThan(LONG_PARK_MS / 2);
    expect(await redis.exists(`${queue.keys.unparkPrefix}w2`)).toBe(0); // the pop took the element
  });

  it('takes a wake pushed while nothing was parked, and keeps only the latest', async () => {
    const { queue } = freshQueue(redis);
    // Each enqueue into an empty queue pushes a wake; claims empty it in between.
    for (let i = 0; i < 3; i++) {
      await enqueue(queue, {});
      expect((await queue.claim(5, LEASE)).tasks).toHaveLength(1);
    }
    const [last] = await enqueue(queue, {});
    expect(await redis.llen(queue.keys.signal)).toBe(1);
    const { wake, claim } = await queue.parkedClaim(blocking, 5, LEASE, LONG_PARK_MS, 'w3');
    expect(wake).not.toBeNull();
    expect(claim.tasks.map((t) => t.id)).toEqual([last]);
  });

  it('claims when its pop times out, and the signal goes with the queue', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    expect(await redis.llen(queue.keys.signal)).toBe(1);
    await redis.del(queue.keys.signal); // a task without its wake: only the timeout finds it
    const { wake, claim } = await queue.parkedClaim(blocking, 5, LEASE, 50, 'w4');
    expect(wake).toBeNull();
    expect(claim.tasks.map((t) => t.id)).toEqual([id]);
    await queue.complete(claim.tasks);

    const [next] = await enqueue(queue, {}); // pushes a wake nobody takes
    await queue.complete((await queue.claim(5, LEASE)).tasks);
    expect(await redis.llen(queue.keys.signal)).toBe(1);
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await queue.getTask(next!)).toBeNull();
    expect((await queue.remove('delete')).code).toBe('removed');
    expect(await redis.exists(queue.keys.signal)).toBe(0);
  });
});
