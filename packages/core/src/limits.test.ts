import { waitFor } from '@tq/testing';
import { readClaimReply } from './claim-reply';
import { TqError } from './errors';
import { runScript, type RedisClient } from './scripts';
import { connect, enqueue, freshQueue, listen } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

describe('Queue rate limit (sliding window on the script clock)', () => {
  it('starts at most max tasks in a period and says when the next start fits', async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.setLimits({ rate: { max: 3, periodMs: 1000 } });
    await enqueue(queue, ...Array.from({ length: 10 }, () => ({})));
    const t0 = clock.now();

    const first = await queue.claim(10, LEASE);
    expect(first.tasks).toHaveLength(3);
    // The window is closed at both ends: a start at t0 counts until t0 + 1000 inclusive.
    expect(first).toMatchObject({ limitedBy: 'rate', retryAt: t0 + 1001 });

    clock.advance(1000);
    expect(await queue.claim(10, LEASE)).toMatchObject({ tasks: [], limitedBy: 'rate', retryAt: t0 + 1001 });
    clock.advance(1);
    expect((await queue.claim(10, LEASE)).tasks).toHaveLength(3);
  });

  it('slides: starts spread over the period free room one at a time, never max + 1 in any window', async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.setLimits({ rate: { max: 3, periodMs: 1000 } });
    await enqueue(queue, ...Array.from({ length: 10 }, () => ({})));
    const t0 = clock.now();
    for (const at of [0, 400, 800]) {
      clock.advance(at - (clock.now() - t0));
      expect((await queue.claim(1, LEASE)).tasks).toHaveLength(1);
    }
    // A fixed window of 1 s starting at t0 + 1000 would allow 3 more here; the sliding one allows none
    // until the start at t0 leaves it, then one, then one more after the start at t0 + 400 leaves.
    clock.advance(200); // t0 + 1000
    expect(await queue.claim(3, LEASE)).toMatchObject({ tasks: [], retryAt: t0 + 1001 });
    clock.advance(1); // t0 + 1001
    const one = await queue.claim(3, LEASE);
    expect(one).toMatchObject({ limitedBy: 'rate', retryAt: t0 + 1401 });
    expect(one.tasks).toHaveLength(1);
    clock.advance(400); // t0 + 1401
    expect((await queue.claim(3, LEASE)).tasks).toHaveLength(1);
  });

  it('keeps no more starts than the limit in its log, and the log expires with its period', async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.setLimits({ rate: { max: 5, periodMs: 60_000 } });
    await enqueue(queue, ...Array.from({ length: 20 }, () => ({})));
    for (let i = 0; i < 10; i++) {
      await queue.claim(4, LEASE);
      clock.advance(1000);
    }
    expect(await redis.zcard(queue.keys.starts)).toBe(5);
    const ttl = await redis.pttl(queue.keys.starts);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_001);
  });

  it("keeps a short period's log a minute on Redis's clock, which does not follow a caller's clock", async () => {
    // The window is on the script's clock (here a manual one that stands still); the log's expiry on Redis's.
    // Expired one period (200 ms) after the start, a busy machine's pause between two claims emptied the
    // window the manual clock was still in: two starts in a window of one (randomized test, CI of stop 25).
    const { queue } = freshQueue(redis);
    await queue.setLimits({ rate: { max: 1, periodMs: 200 } });
    await enqueue(queue, {}, {});
    expect((await queue.claim(2, LEASE)).tasks).toHaveLength(1);
    expect(await redis.pttl(queue.keys.starts)).toBeGreaterThan(50_000);
    expect(await queue.claim(2, LEASE)).toMatchObject({ tasks: [], limitedBy: 'rate' });
  });

  it('counts every start of a claim that Redis runs twice (resent after a reconnect, with its lease nonce)', async () => {
    // ioredis resends a command whose reply a dropped connection lost (autoResendUnfulfilledCommands), so
    // Redis may run one claim twice with the same nonce before its deadline (ADR 0006): the same lease
    // tokens for other tasks. Logged by token alone, the second run overwrote the first run's starts and
    // the window let max more through.
    const { queue, clock } = freshQueue(redis);
    await queue.setLimits({ rate: { max: 4, periodMs: 60_000 } });
    await enqueue(queue, ...Array.from({ length: 10 }, () => ({})));
    const k = queue.keys;
    const claimTwice = [String(clock.now()), 2, LEASE, 'resentNonce'];
    for (let run = 0; run < 2; run++) {
      const reply = (await runScript(redis, 'claim', [k.base], claimTwice, true)) as Buffer;
      expect(readClaimReply(reply, 0, queue.name, '').tasks).toHaveLength(2);
    }
    expect(await redis.zcard(k.starts)).toBe(4);
    expect(await queue.claim(10, LEASE)).toMatchObject({ tasks: [], limitedBy: 'rate' });
  });
});

describe('Queue concurrency limit', () => {
  it('holds every claimer to the limit of running tasks, and wakes the waiting workers when one ends', async () => {
    const { queue } = freshQueue(redis);
    await queue.setLimits({ concurrency: 2 });
    await enqueue(queue, ...Array.from({ length: 5 }, () => ({})));
    const wake = await listen(redis, queue.keys.wakeChannel);
    try {
      const a = await queue.claim(5, LEASE);
      expect(a).toMatchObject({ limitedBy: 'concurrency', retryAt: null });
      expect(a.tasks).toHaveLength(2);
      expect((await queue.claim(5, LEASE)).tasks).toHaveLength(0);

      expect(await queue.complete([a.tasks[0]!])).toEqual(['ok']);
      await waitForMessages(wake.messages, 1);
      expect((await queue.claim(5, LEASE)).tasks).toHaveLength(1);
      expect(await redis.zcard(queue.keys.running)).toBe(2);
    } finally {
      await wake.stop();
    }
  });

  it('lets complete_and_claim fill the room its own completes free, and no more', async () => {
    // The call moves its completed leases out of running after its claim (ADR 0056); the limit counts them
    // as gone all the same.
    const { queue } = freshQueue(redis);
    await queue.setLimits({ concurrency: 3 });
    await enqueue(queue, ...Array.from({ length: 10 }, () => ({})));
    const first = await queue.claim(3, LEASE);
    expect(first.tasks).toHaveLength(3);
    const next = await queue.completeAndClaim(first.tasks.slice(0, 2), 5, LEASE);
    expect(next.codes).toEqual(['ok', 'ok']);
    expect(next.claim).toMatchObject({ limitedBy: 'concurrency' });
    expect(next.claim.tasks).toHaveLength(2);
    expect(await redis.zcard(queue.keys.running)).toBe(3);
    expect(await redis.zcard(queue.keys.done)).toBe(2);
  });

  it('frees room when tasks fail, are released or postponed, and when the reaper takes back expired leases', async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.setLimits({ concurrency: 1 });
    await enqueue(queue, ...Array.from({ length: 5 }, () => ({})));
    const next = async () => {
      const { tasks } = await queue.claim(5, 1000);
      expect(tasks).toHaveLength(1);
      expect((await queue.claim(5, 1000)).tasks).toHaveLength(0);
      return tasks[0]!;
    };
    await queue.fail([{ ...(await next()), error: 'boom', retryDelayMs: 60_000 }]);
    await queue.release([await next()]);
    await queue.postpone([{ ...(await next()), delayMs: 60_000, retryDelayMs: 0 }]);
    await next();
    // An expired lease still holds its place until the reaper takes it back.
    clock.advance(2000);
    expect((await queue.claim(5, 1000)).tasks).toHaveLength(0);
    expect((await queue.reap()).recovered).toHaveLength(1);
    await next();
  });

  it('counts a lowered limit from the tasks already running: no claim until they drop below it', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, ...Array.from({ length: 6 }, () => ({})));
    const { tasks } = await queue.claim(3, LEASE);
    await queue.setLimits({ concurrency: 2 });
    expect((await queue.claim(3, LEASE)).tasks).toHaveLength(0);
    await queue.complete([tasks[0]!]);
    expect((await queue.claim(3, LEASE)).tasks).toHaveLength(0);
    await queue.complete([tasks[1]!]);
    expect((await queue.claim(3, LEASE)).tasks).toHaveLength(1);
  });
});

describe('Queue limits as settings', () => {
  it('stores, replaces and clears limits, shows them in the stats, and wakes idle workers on a change', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, {});
    expect(await queue.limits()).toEqual({});
    const wake = await listen(redis, queue.keys.wakeChannel);
    try {
      await queue.setLimits({ rate: { max: 20, periodMs: 1000 }, concurrency: 5, groupConcurrency: 2 });
      await waitForMessages(wake.messages, 1);
    } finally {
      await wake.stop();
    }
    expect(await queue.limits()).toEqual({
      rate: { max: 20, periodMs: 1000 },
      concurrency: 5,
      groupConcurrency: 2,
    });
    await queue.setLimits({ concurrency: 7 });
    expect((await queue.stats()).limits).toEqual({ concurrency: 7 });
    await queue.setLimits({});
    expect((await queue.stats()).limits).toEqual({});
  });

  it('refuses a limit that is not a positive whole number, changing nothing', async () => {
    const { queue } = freshQueue(redis);
    await queue.setLimits({ concurrency: 3 });
    for (const bad of [{ concurrency: 0 }, { concurrency: 1.5 }, { rate: { max: 10, periodMs: -1 } }]) {
      await expect(queue.setLimits(bad)).rejects.toThrow(TqError);
    }
    expect(await queue.limits()).toEqual({ concurrency: 3 });
  });

  it('keeps an empty queue with limits from idle removal; deleting the queue deletes its limits', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    await queue.setLimits({ rate: { max: 1, periodMs: 60_000 } });
    const { tasks } = await queue.claim(1, LEASE);
    await queue.complete(tasks);
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await queue.getTask(id!)).toBeNull();
    expect((await queue.remove('idle')).code).toBe('settings');
    expect((await queue.remove('delete')).code).toBe('removed');
    expect(await queue.limits()).toEqual({});
    expect(await redis.exists(queue.keys.starts)).toBe(0);
  });
});

async function waitForMessages(messages: string[], n: number): Promise<void> {
  await waitFor(() => messages.length >= n);
}
