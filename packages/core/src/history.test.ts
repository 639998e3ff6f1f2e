import type { RedisClient } from './scripts';
import { connect, enqueue, freshQueue } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('Queue.history', () => {
  it('counts ended attempts per minute: completes, failures (retry and dead) and expired leases', async () => {
    const { queue, clock } = freshQueue(redis);
    clock.advance(3_600_000 - (clock.now() % 3_600_000) - 90_000); // 1.5 minutes before an hour ends
    await enqueue(queue, { maxAttempts: 1 }, {}, {}, {}, {});
    const tasks = (await queue.claim(5, 1000)).tasks;
    await queue.complete([tasks[0]!]);
    await queue.fail([{ ...tasks[1]!, error: 'x', retryDelayMs: 60_000 }]); // retry
    clock.advance(60_000);
    await queue.completeAndClaim([tasks[2]!, { ...tasks[2]! }], 0, LEASE); // one ok, one lease_lost
    await queue.fail([{ ...tasks[3]!, error: 'x', retryDelayMs: 0, permanentReason: 'permanent' }]);
    clock.advance(60_000); // the next hour: the fifth task's lease has expired
    expect((await queue.reap()).recovered).toEqual([tasks[4]!.id]);

    const h = await queue.history(5);
    expect(h.firstMinuteAt).toBe(Math.floor(clock.now() / 60_000) * 60_000 - 4 * 60_000);
    expect(h.processed).toEqual([0, 0, 2, 2, 1]);
    expect(h.failed).toEqual([0, 0, 1, 1, 1]);
    expect(h.now).toBe(clock.now());
  });

  it('answers zeros for minutes without activity and the last 24 hours at most in one read', async () => {
    const { queue, clock } = freshQueue(redis);
    await enqueue(queue, {});
    await queue.complete((await queue.claim(1, LEASE)).tasks);
    clock.advance(24 * 3_600_000 - 60_000);
    const day = await queue.history(1440);
    expect(day.processed).toHaveLength(1440);
    expect(day.processed[0]).toBe(1);
    expect(sum(day.processed)).toBe(1);
    clock.advance(60_000);
    expect(sum((await queue.history(1440)).processed)).toBe(0);
  });

  it("counts each queue's attempts in its own history when queues end tasks in the same minute by turns", async () => {
    const a = freshQueue(redis);
    const b = freshQueue(redis); // both manual clocks start at the same time
    await enqueue(a.queue, {}, {});
    await enqueue(b.queue, {}, {});
    const [a1, a2] = (await a.queue.claim(2, LEASE)).tasks;
    const [b1, b2] = (await b.queue.claim(2, LEASE)).tasks;
    await a.queue.complete([a1!]);
    await b.queue.complete([b1!]);
    await b.queue.complete([b2!]);
    await a.queue.complete([a2!]);
    expect((await a.queue.history(1)).processed).toEqual([2]);
    expect((await b.queue.history(1)).processed).toEqual([2]);
  });

  it('keeps one small hash per hour, which expires 24 h after its hour', async () => {
    const { queue, clock } = freshQueue(redis);
    await enqueue(queue, {}, {});
    const tasks = (await queue.claim(2, LEASE)).tasks;
    await queue.complete([tasks[0]!]);
    clock.advance(60_000);
    await queue.fail([{ ...tasks[1]!, error: 'x', retryDelayMs: 0 }]);
    const hour = Math.floor(clock.now() / 3_600_000);
    const key = `${queue.keys.historyPrefix}${hour}`;
    const endOfDay = (hour + 1) * 3_600_000 + 24 * 3_600_000 - clock.now();
    const ttl = await redis.pttl(key);
    // The key's TTL counts down on the real clock while this test runs: a margin of 10 s for a busy machine.
    expect(ttl).toBeLessThanOrEqual(endOfDay);
    expect(ttl).toBeGreaterThan(endOfDay - 10_000);
    expect(await redis.object('ENCODING', key)).toBe('listpack');
  });
});
