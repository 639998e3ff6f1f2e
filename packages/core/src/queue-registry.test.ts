import { randomQueueName, startRedisServer } from '@tq/testing';
import { createRedis } from './connection';
import { TqError } from './errors';
import { QUEUES_KEY } from './keys';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, enqueue, freshQueue, newTask } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const registered = async (queue: Queue) => (await redis.sismember(QUEUES_KEY, queue.name)) === 1;

describe('the queue registry (tq:queues)', () => {
  it('removes an empty queue, refuses one holding a task in any of its seven states, and registers a removed queue again on its next enqueue', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    expect(await queue.remove('delete')).toMatchObject({ code: 'not_empty', counts: { pending: 1 } });
    expect(await registered(queue)).toBe(true);
    // Each state in turn holds the one task: pending, running, retry, dead, done, canceled, scheduled.
    const states: string[] = [];
    const check = async () => {
      const { code, counts } = await queue.remove('delete');
      expect(code).toBe('not_empty');
      states.push(...Object.entries(counts).flatMap(([state, n]) => (n > 0 ? [state] : [])));
    };
    const [lease] = (await queue.claim(1, 30_000)).tasks;
    await check();
    await queue.fail([{ ...lease!, error: 'x', retryDelayMs: 60_000 }]);
    await check();
    await queue.cancel(id!);
    await check();
    const [other] = await enqueue(queue, { delayMs: 60_000 });
    await check();
    await queue.cancel(other!);
    const [third] = await enqueue(queue, { maxAttempts: 1 });
    const [l3] = (await queue.claim(1, 30_000)).tasks;
    await queue.fail([{ ...l3!, error: 'x', retryDelayMs: 0 }]);
    await check();
    await queue.requeueDead([third!]);
    const [l4] = (await queue.claim(1, 30_000)).tasks;
    await queue.complete([l4!]);
    await check();
    expect(new Set(states)).toEqual(new Set(['running', 'retry', 'canceled', 'scheduled', 'dead', 'done']));
    expect(await registered(queue)).toBe(true);

    await queue.purgeDead();
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await queue.remove('delete')).toMatchObject({ code: 'removed' });
    expect(await registered(queue)).toBe(false);
    await enqueue(queue, {});
    expect(await registered(queue)).toBe(true);
  });

  it('never removes as idle a queue with settings (paused) or one a worker serves; an operator delete drops the settings', async () => {
    const paused = new Queue(redis, randomQueueName('core'));
    await paused.pause();
    await redis.sadd(QUEUES_KEY, paused.name);
    expect((await paused.remove('idle')).code).toBe('settings');
    expect((await paused.remove('delete')).code).toBe('removed');
    expect((await paused.stats()).paused).toBe(false);

    const served = new Queue(redis, randomQueueName('core'));
    await served.register(); // what a worker serving it does
    expect((await served.remove('idle')).code).toBe('served');
    expect(await redis.sismember(QUEUES_KEY, served.name)).toBe(1);
  });

  it('never leaves a queue that holds a task outside the registry when an enqueue races its removal', async () => {
    // Two connections, so the scripts of both sides interleave in Redis in every order the timing allows;
    // 60 rounds (15 per delay) keep it short in the test command on a busy machine.
    const other = connect();
    try {
      for (let round = 0; round < 60; round++) {
        const name = randomQueueName('race');
        const producer = new Queue(redis, name);
        const remover = new Queue(other, name);
        await producer.enqueue([newTask(producer)]);
        const [lease] = (await producer.claim(1, 30_000)).tasks;
        await producer.complete([lease!]);
        await producer.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
        // Empty and registered: now remove and enqueue at once, the enqueue delayed by 0-3 event-loop turns.
        const turns = round % 4;
        const late = async () => {
          for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
          return producer.enqueue([newTask(producer)]);
        };
        const [removal] = await Promise.all([remover.remove('delete'), late()]);
        expect([round, removal.code, (await producer.stats()).counts.pending]).toEqual([
          round,
          removal.code,
          1,
        ]);
        expect([round, await redis.sismember(QUEUES_KEY, name)]).toEqual([round, 1]);
      }
    } finally {
      other.disconnect();
    }
    // 150 rounds of about ten round trips each: seconds on an idle machine, over a minute at load 80.
  }, 300_000);

  it('refuses a new queue past the most queues allowed, writing nothing, while known queues still take tasks', async () => {
    // A private server: the registry of the suite's Redis is shared with tests running in parallel.
    const server = await startRedisServer();
    const own = createRedis(server.url);
    try {
      const a = new Queue(own, 'a');
      const b = new Queue(own, 'b');
      const c = new Queue(own, 'c');
      await a.enqueue([newTask(a)], 0, 2);
      await b.enqueue([newTask(b)], 0, 2);
      const refused = await c.enqueue([newTask(c)], 0, 2).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TqError);
      expect(refused).toMatchObject({
        code: 'queue_limit',
        message: expect.stringMatching(/holds 2 queues/),
      });
      expect(await own.smembers(QUEUES_KEY)).toEqual(expect.arrayContaining(['a', 'b']));
      expect(await own.scard(QUEUES_KEY)).toBe(2);
      expect((await c.stats()).counts.pending).toBe(0);
      expect((await a.enqueue([newTask(a)], 0, 2))[0]!.status).toBe('created');
      // Removing an empty queue makes room.
      await b.purgeDead();
      const [lease] = (await b.claim(1, 30_000)).tasks;
      await b.complete([lease!]);
      await b.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
      expect((await b.remove('delete')).code).toBe('removed');
      expect((await c.enqueue([newTask(c)], 0, 2))[0]!.status).toBe('created');
    } finally {
      own.disconnect();
      await server.stop();
    }
  });
});
