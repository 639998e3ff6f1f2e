import type { RedisClient } from './scripts';
import { connect, enqueue, expectConsistent, freshQueue } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

describe('Queue.postpone (a handler rate limited by what it calls)', () => {
  it('puts the task in scheduled for the delay without spending its attempt', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 1 });
    const [task] = (await queue.claim(1, LEASE)).tasks;
    expect(await queue.postpone([{ ...task!, delayMs: 5000, retryDelayMs: 0 }])).toEqual(['postponed']);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'scheduled' });
    expect(await queue.getTask(id!)).toMatchObject({ attempt: 0, runAt: clock.now() + 5000 });

    clock.advance(4999);
    expect((await queue.claim(1, LEASE)).tasks).toHaveLength(0);
    clock.advance(1);
    const [again] = (await queue.claim(1, LEASE)).tasks;
    // Still its first attempt, of one: the postponement spent nothing.
    expect(again).toMatchObject({ id, attempt: 1, maxAttempts: 1 });
  });

  it('counts a postponement past the most allowed as a failed attempt, so an always-limited task ends in dead', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 2 });
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const [task] = (await queue.claim(1, LEASE)).tasks;
      if (!task) break;
      codes.push(...(await queue.postpone([{ ...task, delayMs: 100, retryDelayMs: 100 }], 3)));
      clock.advance(100);
    }
    expect(codes).toEqual(['postponed', 'postponed', 'postponed', 'retry', 'dead']);
    const record = await queue.getTask(id!);
    expect(record).toMatchObject({ status: 'dead', deadReason: 'max_attempts', attempt: 2 });
    expect(record!.lastError).toMatch(/postponed 3 times/);
  });

  it('is refused with a stale lease token and changes nothing', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    const [stale] = (await queue.claim(1, 1000)).tasks;
    clock.advance(2000);
    await queue.reap();
    const [current] = (await queue.claim(1, LEASE)).tasks;
    expect(await queue.postpone([{ ...stale!, delayMs: 1000, retryDelayMs: 0 }])).toEqual(['lease_lost']);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'running' });
    expect(await queue.postpone([{ ...current!, delayMs: 1000, retryDelayMs: 0 }])).toEqual(['postponed']);
  });

  it('gives a redriven task its postponements back', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 1 });
    const claimAndPostpone = async () => {
      const [task] = (await queue.claim(1, LEASE)).tasks;
      const [code] = await queue.postpone([{ ...task!, delayMs: 0, retryDelayMs: 0 }], 1);
      clock.advance(1);
      return code;
    };
    expect([await claimAndPostpone(), await claimAndPostpone()]).toEqual(['postponed', 'dead']);
    await queue.requeueDead([id!]);
    expect(await claimAndPostpone()).toBe('postponed');
  });
});
