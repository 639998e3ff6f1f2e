import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock, PartitionedQueue, queueKeys } from '@tq/core';
import { randomQueueName, startRedisServer, waitFor } from '@tq/testing';
import {
  TqBadRequestError,
  TqClient,
  TqClientError,
  TqConflictError,
  TqForbiddenError,
  TqNetworkError,
  TqNotFoundError,
  TqTimeoutError,
  TqUnauthorizedError,
  type Task,
} from './index';
import { PRODUCER_TOKEN, TOKEN, startDroppingProxy, startStack, type TestStack } from './test-support/stack';

const queue = randomQueueName('client');
const deadQueue = randomQueueName('client-dead');
let stack: TestStack;
let tq: TqClient;

beforeAll(async () => {
  stack = await startStack([queue, deadQueue]);
  tq = new TqClient({ url: stack.url, token: TOKEN });
});
afterAll(() => stack.close());

describe('TqClient options', () => {
  it('refuses a URL that is not http(s) or carries a password, without repeating the password', () => {
    for (const url of ['redis://:s3cret@localhost:6379', 'http://ops:s3cret@localhost:8080']) {
      let message = '';
      try {
        new TqClient({ url });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^url must /);
      expect(message).toContain('***@localhost');
      expect(message).not.toContain('s3cret');
    }
  });
});

describe('TqClient against a real API', () => {
  it('submits the seed task and waits for it to be done', async () => {
    const task = await tq.submit({ type: 'echo', payload: 'hello world', queue });
    expect(task).toMatchObject({ queue, type: 'echo', payload: 'hello world', status: 'pending' });
    // The client gave the submit a compact generated key, so its retries could not store it twice.
    expect(task.idempotencyKey).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // ...and asked the API to remember that key for minutes, not the API's 24 h window.
    const ttl = await stack.redis.pttl(queueKeys(queue).idempotencyPrefix + task.idempotencyKey!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const done = await tq.waitFor(task.id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ id: task.id, status: 'done', result: { echoed: 'hello world' } });
    expect(await tq.get(task.id)).toEqual(done);
  });

  it('answers the first task again for a repeated idempotency key', async () => {
    const first = await tq.submit(
      { type: 'echo', payload: 1, queue, delayMs: 60_000 },
      { idempotencyKey: 'order-42' },
    );
    const again = await tq.submit(
      { type: 'echo', payload: 1, queue, delayMs: 60_000 },
      { idempotencyKey: 'order-42' },
    );
    expect(again.id).toBe(first.id);
    const other = await tq
      .submit({ type: 'echo', payload: 2, queue }, { idempotencyKey: 'order-42' })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(TqConflictError);
    expect(other).toMatchObject({ status: 409, type: 'urn:tq:problem:conflict' });
  });

  it('submits a batch, each task on its own', async () => {
    const result = await tq.submitBatch([
      { type: 'echo', payload: 'a', queue },
      { type: 'echo', payload: 'b', queue, priority: 42 },
    ]);
    expect(result).toMatchObject({ created: 1, failed: 1 });
    expect(result.results[1]).toMatchObject({ index: 1, status: 400 });
  });

  it('cancels a task that is not running, and says why it cannot cancel it twice', async () => {
    const task = await tq.submit({ type: 'echo', payload: null, queue, delayMs: 60_000 });
    expect(task.status).toBe('scheduled');
    expect((await tq.cancel(task.id)).status).toBe('canceled');
    const again = await tq.cancel(task.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(TqConflictError);
  });

  it('throws typed errors carrying the problem details', async () => {
    const invalid = await tq.submit({ type: '', payload: 1, queue }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(TqBadRequestError);
    expect((invalid as TqBadRequestError).errors).toEqual([
      expect.objectContaining({ field: 'type', message: expect.any(String) }),
    ]);

    const missing = await tq.get(`${queue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TqNotFoundError);
    expect(missing).toMatchObject({ status: 404, type: 'urn:tq:problem:not-found', title: 'Not found' });

    const anonymous = new TqClient({ url: stack.url });
    const refused = await anonymous.queues().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TqUnauthorizedError);
    expect((refused as Error).message).not.toContain(TOKEN);

    const producer = new TqClient({ url: stack.url, token: PRODUCER_TOKEN });
    const submitted = await producer.submit({
      type: 'echo',
      payload: 'from a producer',
      queue,
      delayMs: 60_000,
    });
    const forbidden = await producer.pause(queue).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(TqForbiddenError);
    expect(forbidden).toMatchObject({ status: 403 });
    expect((forbidden as Error).message).not.toContain(PRODUCER_TOKEN);
    await tq.cancel(submitted.id);

    const nowhere = new TqClient({ url: 'http://127.0.0.1:1', token: TOKEN, retry: { retries: 0 } });
    const unreachable = await nowhere.get('x').catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(TqNetworkError);
    expect((unreachable as Error).message).not.toContain(TOKEN);
  });

  it('pauses and resumes a queue, lists its tasks and reads its stats', async () => {
    const paused = randomQueueName('client-paused');
    const task = await tq.submit({ type: 'echo', payload: 0, queue: paused });
    expect(await tq.pause(paused)).toMatchObject({ name: paused, paused: true });
    const page = await tq.listTasks(paused, 'pending', { limit: 10 });
    expect(page).toMatchObject({ queue: paused, state: 'pending', total: 1, nextCursor: null });
    expect(page.tasks.map((t) => t.id)).toEqual([task.id]);
    expect((await tq.queues()).map((q) => q.name)).toContain(paused);
    expect(await tq.queue(paused)).toMatchObject({ paused: true, counts: { pending: 1 } });
    expect(await tq.resume(paused)).toMatchObject({ paused: false });
    const history = await tq.statsHistory({ queue, minutes: 5 });
    expect(history).toMatchObject({ queue, minutes: 5, totals: { processed: expect.any(Number) } });
    expect(history.points).toHaveLength(5);
    const { workers } = await tq.workers({ queue });
    expect(workers).toEqual([expect.objectContaining({ queues: [queue, deadQueue], pid: process.pid })]);
  });

  it('creates a partitioned queue, submits with a partitionKey and lists its tasks as one queue', async () => {
    const name = randomQueueName('client-parts');
    expect(await tq.createQueue(name, { partitions: 3 })).toMatchObject({ name, partitions: 3 });
    expect(await tq.createQueue(name, { partitions: 3 })).toMatchObject({ partitions: 3 });
    await expect(tq.createQueue(name, { partitions: 2 })).rejects.toMatchObject({ status: 409 });
    // Creating is a resize from one partition (ADR 0050): another resize waits for it to settle (30 s).
    await expect(tq.resizeQueue(name, { partitions: 4 })).rejects.toMatchObject({ status: 409 });
    // A queue created a minute ago (its creation dated back) has settled.
    const settled = randomQueueName('client-parts');
    await PartitionedQueue.create(stack.redis, settled, 3, new ManualClock(Date.now() - 60_000));
    expect(await tq.createQueue(settled, { partitions: 3 })).toMatchObject({ partitions: 3 });
    expect(await tq.resizeQueue(settled, { partitions: 4 })).toMatchObject({ name: settled, partitions: 4 });
    await expect(tq.resizeQueue(settled, { partitions: 3 })).rejects.toMatchObject({ status: 409 });
    const keyed = await Promise.all(
      [1, 2, 3].map(() => tq.submit({ type: 'echo', payload: 0, queue: settled, partitionKey: 'k' })),
    );
    expect(new Set(keyed.map((t) => t.partition)).size).toBe(1);
    // The client gives every submission an idempotency key, so while the resize settles (30 s) they are
    // spread with the count before it (ADR 0043).
    const spread = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => tq.submit({ type: 'echo', payload: 0, queue: settled })),
    );
    expect(spread.every((t) => (t.partition ?? 0) < 3)).toBe(true);
    const first = await tq.listTasks(settled, 'pending', { limit: 5 });
    const second = await tq.listTasks(settled, 'pending', { limit: 5, cursor: first.nextCursor! });
    expect(new Set([...first.tasks, ...second.tasks].map((t) => t.id)).size).toBe(9);
    expect(second.nextCursor).toBeNull();
  });

  it('waitFor gives up after its timeout with the last state it read', async () => {
    const unserved = randomQueueName('client-unserved'); // no worker claims from it
    const task = await tq.submit({ type: 'echo', payload: 0, queue: unserved });
    // Long enough for the stream's first event (the state it reports) on a busy machine.
    const error = await tq.waitFor(task.id, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TqTimeoutError);
    expect((error as TqTimeoutError).task).toMatchObject({ id: task.id, status: 'pending' });
  });

  it('waitFor still gives up at its timeout when garbage is collected while the event stream is silent', async () => {
    // Node's fetch follows the abort signal through its Request, which the collector may take while the body
    // streams: the stream then outlived the timeout for good (tq task add --wait hung).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const unserved = randomQueueName('client-unserved');
    const task = await tq.submit({ type: 'echo', payload: 0, queue: unserved });
    const collecting = setInterval(gc, 100);
    try {
      // Collections every 100 ms on a busy machine delay the stream's first event past 1.5 s (seen in CI).
      const error = await tq.waitFor(task.id, { timeoutMs: 4000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TqTimeoutError);
      expect((error as TqTimeoutError).task).toMatchObject({ id: task.id, status: 'pending' });
    } finally {
      clearInterval(collecting);
    }
  }, 20_000);

  it('refuses what it cannot send, at once and without retrying: no JSON, an empty id, a bad timeout', async () => {
    let requests = 0;
    const counting = new TqClient({
      url: stack.url,
      token: TOKEN,
      fetch: (request) => {
        requests++;
        return fetch(request);
      },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notJson = await counting.submit({ type: 'echo', payload: cyclic, queue }).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(TqClientError);
    expect(notJson).not.toBeInstanceOf(TqNetworkError);
    expect((notJson as Error).message).toMatch(/^the request cannot be sent as JSON: .*no cycles/s);
    const empty = await counting.queue('').catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(TqClientError);
    expect((empty as Error).message).toMatch(/^name must not be empty \(.*\/queues\/\{name\}\)$/);
    expect(requests).toBe(0);
    await expect(counting.waitFor('x.1', { timeoutMs: -1 })).rejects.toThrow(
      'timeoutMs must be a number of ms',
    );
    expect(() => new TqClient({} as never)).toThrow(/^url is required/);
  });

  it('lists, requeues and purges dead tasks', async () => {
    const task = await tq.submit({ type: 'reject', payload: 0, queue: deadQueue });
    expect(await tq.waitFor(task.id, { timeoutMs: 20_000 })).toMatchObject({
      status: 'dead',
      deadReason: 'test_reject',
    });
    const page = await tq.deadLetters(deadQueue, { limit: 10 });
    expect(page.tasks.map((t) => t.id)).toEqual([task.id]);
    expect(await tq.requeueDead(deadQueue, [task.id, `${deadQueue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`])).toEqual({
      requeued: [task.id],
      notDead: [`${deadQueue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`],
    });
    expect((await tq.waitFor(task.id, { timeoutMs: 20_000 })).status).toBe('dead'); // it fails again
    expect(await tq.purgeDead(deadQueue)).toBe(1);
    expect((await tq.deadLetters(deadQueue)).total).toBe(0);
  });

  it('cancels a running task: cancelTask answers it with cancelRequestedAt, and the worker ends it canceled', async () => {
    const task = await tq.submit({ type: 'block', payload: null, queue });
    await waitFor(async () => (await tq.get(task.id)).status === 'running', { timeoutMs: 20_000 });
    const requested = await tq.cancelTask(task.id);
    expect(requested.status).toBe('running');
    expect(requested.cancelRequestedAt).toEqual(expect.any(String));
    expect(await tq.waitFor(task.id, { timeoutMs: 20_000 })).toMatchObject({
      status: 'canceled',
      deadReason: null,
      cancelRequestedAt: null,
    });
    expect(await tq.deleteTask(task.id)).toEqual({ id: task.id, redis: true, archive: false });
    const gone = await tq.deleteTask(task.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(TqNotFoundError);
  });

  it('runs a scheduled task now, refuses to retry a task that is not dead, and acts on many; refusals say the state', async () => {
    const unserved = randomQueueName('client-actions'); // no worker claims from it
    const later = await tq.submit({ type: 'echo', payload: 1, queue: unserved, delayMs: 3_600_000 });
    expect((await tq.runTask(later.id)).status).toBe('pending');
    const refused = await tq.runTask(later.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TqConflictError);
    expect((refused as TqConflictError).message).toMatch(/is pending: only scheduled and retry tasks/);
    expect(await tq.retryTask(later.id).catch((e: unknown) => e)).toBeInstanceOf(TqConflictError);
    const outcome = await tq.actOnTasks(unserved, { action: 'cancel', state: 'pending' });
    expect(outcome).toMatchObject({ applied: [later.id], refused: [], nextCursor: null });
  });

  it('searchTasks sends its filters; an API without a task history answers TqNotFoundError saying so', async () => {
    const error = await tq
      .searchTasks({ queue, status: 'done', from: new Date(0), to: Date.now() }, { limit: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TqNotFoundError);
    expect((error as TqNotFoundError).message).toMatch(/task history is not configured/);
    // The filters reached the API as query parameters: a bad one is named in the 400.
    const bad = await tq.searchTasks({ from: 'yesterday' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TqBadRequestError);
    expect((bad as TqBadRequestError).message).toMatch(/from/);
  });
});

describe('schedules, limits and groups', () => {
  it('creates, reads, lists, pauses, resumes and deletes a schedule', async () => {
    const target = randomQueueName('client-sched');
    const id = `nightly-${target}`;
    const created = await tq.createSchedule({
      id,
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      task: { queue: target, type: 'echo', payload: { report: true } },
      overlap: 'skip',
    });
    expect(created).toMatchObject({ id, queue: target, overlap: 'skip', misfire: 'skip', paused: false });
    expect(created.nextRuns).toHaveLength(5);
    expect((await tq.schedule(id, { runs: 2 })).nextRuns).toEqual(created.nextRuns.slice(0, 2));
    expect((await tq.schedules({ queue: target })).schedules.map((s) => s.id)).toEqual([id]);
    expect(await tq.updateSchedule(id, { paused: true })).toMatchObject({ paused: true, nextRunAt: null });
    expect((await tq.updateSchedule(id, { paused: false })).nextRunAt).toEqual(expect.any(String));
    const bad = await tq
      .createSchedule({ id: 'x', cron: 'nope', task: { queue: target, type: 'echo' } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TqBadRequestError);
    await tq.deleteSchedule(id);
    expect(await tq.schedule(id).catch((e: unknown) => e)).toBeInstanceOf(TqNotFoundError);
  });

  it("sets and reads a queue's limits and lists its groups", async () => {
    expect(await tq.setLimits(queue, { rate: { max: 1000, periodMs: 1000 }, concurrency: 100 })).toEqual({
      queue,
      rate: { max: 1000, periodMs: 1000 },
      concurrency: 100,
      groupConcurrency: null,
    });
    expect((await tq.limits(queue)).concurrency).toBe(100);
    expect(await tq.setLimits(queue, {})).toMatchObject({ rate: null, concurrency: null });
    expect(await tq.groups(queue, { limit: 5 })).toMatchObject({ queue, groups: expect.any(Array) });
  });
});

describe('submit retries', () => {
  it('a submit whose reply was lost is retried with the same key and stores one task', async () => {
    const lossy = randomQueueName('client-lossy');
    const proxy = await startDroppingProxy(
      stack.url,
      2,
      (method, path) => method === 'POST' && path === '/tasks',
    );
    try {
      const client = new TqClient({ url: proxy.url, token: TOKEN, retry: { baseDelayMs: 10 } });
      const task = await client.submit({ type: 'echo', payload: 'once', queue: lossy, delayMs: 60_000 });
      expect(proxy.dropped()).toBe(2); // the first two replies never arrived; the task was stored by the first
      expect(await tq.queue(lossy)).toMatchObject({ counts: { scheduled: 1 } });
      expect((await tq.get(task.id)).payload).toBe('once');

      const batch = await new TqClient({
        url: (await restartProxy()).url,
        token: TOKEN,
        retry: { baseDelayMs: 10 },
      }).submitBatch([
        { type: 'echo', payload: 1, queue: lossy, delayMs: 60_000 },
        { type: 'echo', payload: 2, queue: lossy, delayMs: 60_000 },
      ]);
      expect(batch).toMatchObject({ created: 0, replayed: 2 }); // the dropped attempt created both
      expect(await tq.queue(lossy)).toMatchObject({ counts: { scheduled: 3 } });
    } finally {
      await proxy.close();
      await batchProxy?.close();
    }
  });

  let batchProxy: Awaited<ReturnType<typeof startDroppingProxy>> | undefined;
  async function restartProxy() {
    batchProxy = await startDroppingProxy(
      stack.url,
      1,
      (method, path) => method === 'POST' && path === '/tasks/batch',
    );
    return batchProxy;
  }

  it('a submit answered 503 while Redis is down is retried until Redis is back, storing one task', async () => {
    const redis = await startRedisServer();
    const own = await startStack([], { redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: '300' } });
    try {
      const statuses: (number | string)[] = [];
      const client = new TqClient({
        url: own.url,
        token: TOKEN,
        retry: { retries: 50, baseDelayMs: 50, maxDelayMs: 200 },
        fetch: async (request) => {
          // Watches the real answers; changes nothing.
          const response = await fetch(request).catch((error: unknown) => {
            statuses.push('network');
            throw error;
          });
          statuses.push(response.status);
          return response;
        },
      });
      await redis.kill();
      const submitted = client.submit({ type: 'echo', payload: 'after the outage', queue: 'outage' });
      await waitFor(() => statuses.includes(503), {
        timeoutMs: 20_000,
        message: 'a 503 while Redis is down',
      });
      await redis.restart();
      const task: Task = await submitted;
      // 201, or 200 when an attempt answered 503 was still applied after Redis came back (the API's
      // Redis client resends what it had queued): the shared Idempotency-Key makes that a replay.
      expect([200, 201]).toContain(statuses.at(-1));
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      const stored = await new TqClient({ url: own.url, token: TOKEN }).queue('outage');
      expect(stored.counts.pending).toBe(1);
      expect(task.status).toBe('pending');
    } finally {
      await own.close();
      await redis.stop();
    }
  });
});
