import { createRedis, partitionTag, queueKeys, type RedisClient } from '@tq/core';
import { createLogger } from '@tq/ops';
import { randomQueueName, waitFor } from '@tq/testing';
import { Waker } from './waker';

describe('Waker', () => {
  let redis: RedisClient;
  let subscriber: RedisClient;
  let waker: Waker;
  const channel = queueKeys(randomQueueName('waker')).wakeChannel;

  beforeEach(async () => {
    redis = createRedis(process.env.REDIS_URL!);
    subscriber = createRedis(process.env.REDIS_URL!);
    waker = new Waker(subscriber, [channel], createLogger('test', 'silent'));
    await waker.start();
  });
  afterEach(async () => {
    await waker.stop();
    await redis.quit();
  });

  it('ends a wait when a wake message arrives', async () => {
    const waiting = waker.wait(waker.generation, 60_000);
    await redis.publish(channel, '1');
    await waiting; // would time the test out if the message were missed
  });

  /** Whether `promise` has settled once the callbacks already queued have run (no timing involved). */
  const settledNow = (promise: Promise<void>): Promise<boolean> =>
    Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
    ]);

  it('never misses a message that arrived after the generation was read (the lost wake-up race)', async () => {
    const since = waker.generation; // read before a claim...
    // ...a message lands while the claim is in flight: seen through the subscriber connection itself
    // (the Waker's listener was added first, so it has run when this one runs), not through the
    // generation, which is what is under test...
    const delivered = new Promise<void>((resolve) => subscriber.once('message', () => resolve()));
    await redis.publish(channel, '1');
    await delivered;
    // ...and the wait that follows, with the generation read before the message, ends at once.
    expect(await settledNow(waker.wait(since, 60_000))).toBe(true);
    // Without a message in between, the same wait would block (the check above can fail).
    expect(await settledNow(waker.wait(waker.generation, 60_000))).toBe(false);
  });

  it('ends a wait when the due time a message announces comes, not before (no early claim)', async () => {
    const started = performance.now();
    const since = waker.generation;
    const waiting = waker.wait(since, 60_000);
    await redis.publish(channel, 'due:150');
    await waiting; // would time the test out if the message were missed
    // Waking early would cost a claim that finds nothing; 10 ms for timer granularity. A due time never
    // steps the generation while a wait is open; an event that does (the subscriber reconnected: on the
    // shared test Cluster another suite's fault can cause one, and the worker then looks once, by design)
    // ends the wait early rightly, and leaves nothing to check here.
    const early = performance.now() - started < 140;
    expect(early && waker.generation === since).toBe(false);
  });

  it('ends the next wait at once when a due time arrives while nothing waits (a claim in flight)', async () => {
    const since = waker.generation;
    await redis.publish(channel, 'due:60000');
    await new Promise<void>((resolve) => {
      const poll = () => (waker.generation !== since ? resolve() : setImmediate(poll));
      poll();
    });
    await waker.wait(since, 60_000); // returns at once: the loop claims again and learns the due time
  });

  it('follows added channels (a new partition): a message or a due time on one ends the wait', async () => {
    const name = randomQueueName('waker');
    const added = queueKeys(name, partitionTag(name, 1)).wakeChannel;
    const before = waker.generation;
    waker.follow([channel, added]);
    // Once subscribed it ends every wait (a generation step), so the loop claims the new partition at once.
    await new Promise<void>((resolve) => {
      const poll = () => (waker.generation !== before ? resolve() : setImmediate(poll));
      poll();
    });
    const waiting = waker.wait(waker.generation, 60_000);
    await redis.publish(added, '1');
    await waiting; // would time the test out if the added channel were not listened to
    const started = performance.now();
    const due = waker.wait(waker.generation, 60_000);
    await redis.publish(added, 'due:100');
    await due;
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('keeps a due time that reached a wait cancelled before it fell due: the next wait ends at once', async () => {
    // A parked claim's wait gets the due time, then the park comes back for another reason (a stale wake)
    // and its wait is cancelled: the due time must not leave with it, or the next park sleeps through it.
    const since = waker.generation;
    const cancel = waker.onEvent(since, 60_000, () => undefined);
    await redis.publish(channel, 'due:60000');
    await waitFor(() => waker.generation !== since, { message: 'the due message as an event' });
    cancel();
    expect(await settledNow(waker.wait(since, 60_000))).toBe(true);
  });

  it('times out when nothing happens', async () => {
    const started = Date.now();
    await waker.wait(waker.generation, 30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('handles its connection errors, so ioredis never prints them to stderr as plain text', () => {
    expect(subscriber.listenerCount('error')).toBeGreaterThan(0);
  });
});
