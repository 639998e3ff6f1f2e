import { createRedis, queueKeys, type RedisClient } from '@tq/core';
import { createLogger } from '@tq/ops';
import { randomQueueName } from '@tq/testing';
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

  it('never misses a message that arrived after the generation was read (the lost wake-up race)', async () => {
    const since = waker.generation; // read before a claim...
    const delivered = new Promise<void>((resolve) => {
      const poll = () => (waker.generation !== since ? resolve() : setImmediate(poll));
      poll();
    });
    await redis.publish(channel, '1'); // ...a message lands while the claim is in flight...
    await delivered;
    await waker.wait(since, 60_000); // ...and the wait that follows returns at once
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
