import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, RateLimitError, createRedis, newTaskId, type NewTask, type RedisClient } from '@tq/core';
import { randomQueueName, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { Registry } from 'prom-client';
import { closeHarnesses, metricValue, startHarness } from './test-support/harness';
import type { HandlerMap } from './types';
import { createWorker, type Worker } from './worker';

/** Workers on one queue, each with its own connection, like separate processes. */
class Fleet {
  readonly workers: Worker[] = [];
  private readonly connections: RedisClient[] = [];

  constructor(private readonly url: string) {}

  async start(count: number, queue: string, handlers: HandlerMap, concurrency: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const redis = createRedis(this.url);
      this.connections.push(redis);
      // idlePollMs 60 s: only a wake message or the rate window's time can explain progress.
      const worker = createWorker({ redis, queues: [queue], handlers, concurrency, idlePollMs: 60_000 });
      this.workers.push(worker);
      await worker.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.stop()));
    await Promise.all(this.connections.splice(0).map((c) => c.quit()));
  }
}

/** `n` tasks of type `type` for `queue`. */
const tasks = (queue: Queue, n: number, type: string, extra: Partial<NewTask> = {}): NewTask[] =>
  Array.from({ length: n }, (_, i) => ({
    id: newTaskId(queue.name),
    type,
    payload: JSON.stringify({ i, group: extra.group }),
    maxAttempts: 3,
    ...extra,
  }));

/** The most of the (sorted) times `at` that fall in one closed window [t, t + windowMs]. */
function mostInWindow(at: number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; first < at.length; first++) {
    while (last < at.length && at[last]! <= at[first]! + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}

describe('queue limits with createWorker instances in one process (tests/e2e scheduling.test.ts: worker processes)', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let fleet: Fleet;
  beforeAll(async () => {
    // A private server: the commands the workers send are counted, so nothing else may use it.
    server = await startRedisServer();
    redis = createRedis(server.url);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });
  beforeEach(() => {
    fleet = new Fleet(server.url);
  });
  afterEach(() => fleet.stop());

  it('with a rate limit of 20 per second, 4 workers x 50 slots start no more than 20 tasks in any 1-second window', async () => {
    const queue = new Queue(redis, randomQueueName('limits'));
    await queue.setLimits({ rate: { max: 20, periodMs: 1000 } });
    const ids = (await queue.enqueue(tasks(queue, 70, 'noop'))).map((o) => o.id);
    await redis.config('RESETSTAT');
    await fleet.start(4, queue.name, { noop: () => Promise.resolve() }, 50);

    const done = await waitFor(
      async () => {
        const records = await Promise.all(ids.map((id) => queue.getTask(id)));
        return records.every((r) => r?.status === 'done') && records;
      },
      { timeoutMs: 60_000 },
    );
    // Start times on the Redis clock, the one the limit is kept on.
    const starts = done.map((r) => r!.startedAt!).sort((a, b) => a - b);
    const most = mostInWindow(starts, 1000);
    const stats = await redis.info('commandstats');
    const scripts = [...stats.matchAll(/^cmdstat_fcall:calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    console.log(
      `rate 20/s, 4 workers x 50 slots, 70 tasks: at most ${most} starts in a 1-s window; ` +
        `${starts[starts.length - 1]! - starts[0]!} ms from first to last start; ${scripts} scripts run`,
    );
    expect(most).toBeLessThanOrEqual(20);
    // The limiter lets the whole rate through: each window that opens is filled by one claim.
    expect(most).toBe(20);
    // Sleeping until the window has room, not polling: about one claim per worker per window, plus the
    // completes and claims that go together. Workers polling every millisecond for the 3 s this takes
    // would run thousands.
    expect(scripts).toBeLessThan(400);
  });

  it('with a concurrency limit of 5, 3 workers x 10 slots never run more than 5 tasks at once', async () => {
    const queue = new Queue(redis, randomQueueName('limits'));
    await queue.setLimits({ concurrency: 5 });
    const ids = (await queue.enqueue(tasks(queue, 40, 'work'))).map((o) => o.id);
    let running = 0;
    let most = 0;
    await fleet.start(
      3,
      queue.name,
      {
        work: async () => {
          most = Math.max(most, ++running);
          await sleep(20); // the task's work: it holds its slot a while
          running--;
        },
      },
      10,
    );
    await waitFor(
      async () => (await Promise.all(ids.map((id) => queue.getTask(id)))).every((r) => r?.status === 'done'),
      { timeoutMs: 60_000 },
    );
    console.log(`concurrency 5, 3 workers x 10 slots, 40 tasks: at most ${most} handlers at once`);
    expect(most).toBeLessThanOrEqual(5);
    // The first claim fills the limit at once.
    expect(most).toBe(5);
  });

  it('tenant A enqueues 10,000 tasks, then tenant B 10: all of B starts before the 100th of A (one worker, concurrency 5)', async () => {
    const queue = new Queue(redis, randomQueueName('limits'));
    // In calls of 1000: one script with all 10,000 outlasted the 5 s command timeout at load 50.
    const ofA = tasks(queue, 10_000, 'work', { group: 'A' });
    for (let i = 0; i < ofA.length; i += 1000) await queue.enqueue(ofA.slice(i, i + 1000));
    await queue.enqueue(tasks(queue, 10, 'work', { group: 'B' }));
    const order: string[] = [];
    await fleet.start(
      1,
      queue.name,
      {
        work: ({ payload }) => {
          order.push((payload as { group: string }).group);
          return Promise.resolve();
        },
      },
      5,
    );
    await waitFor(() => order.filter((g) => g === 'A').length >= 100, { timeoutMs: 60_000 });
    await fleet.stop();
    const lastB = order.lastIndexOf('B');
    let seenA = 0;
    const hundredthA = order.findIndex((g) => g === 'A' && ++seenA === 100);
    console.log(
      `fairness: B's 10 tasks started by start #${lastB + 1}; A's 100th was start #${hundredthA + 1}`,
    );
    expect(order.filter((g) => g === 'B')).toHaveLength(10);
    expect(lastB).toBeLessThan(hundredthA);
  });
});

describe('RateLimitError from a handler', () => {
  afterEach(closeHarnesses);

  it('postpones the task without spending an attempt, then, past the most postponements, counts failed attempts until dead', async () => {
    let calls = 0;
    const registry = new Registry();
    const h = await startHarness({
      maxPostponements: 2,
      backoff: { baseMs: 0, capMs: 0 },
      registry,
      handlers: {
        limited: () => {
          calls++;
          return Promise.reject(new RateLimitError(10));
        },
      },
    });
    const id = await h.enqueue('limited', {}, { maxAttempts: 2 });
    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'dead' && t;
    });
    // Two postponements spent nothing; the third and fourth rate limits were attempts 1 and 2.
    expect(calls).toBe(4);
    expect(task).toMatchObject({ attempt: 2, deadReason: 'max_attempts' });
    expect(await metricValue(registry, 'tq_tasks_postponed_total')).toBe(2);
    expect(await metricValue(registry, 'tq_tasks_failed_total', { reason: 'rate_limited' })).toBe(2);
  });
});
