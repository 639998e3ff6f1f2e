import { get, type IncomingMessage } from 'node:http';
import { createRedis, type ClaimedTask, type PartitionedQueue } from '@tq/core';
import { randomQueueName, startRedisServer, waitFor } from '@tq/testing';
import { openSse, type SseReader } from '../test-support/sse';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

const TOKEN = 'events-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let api: TestApi;
const readers: SseReader[] = [];
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: TOKEN, SSE_MAX_CLIENTS: '5' });
});
afterEach(() => readers.splice(0).forEach((r) => r.close()));
afterAll(() => api.close());

async function open(path: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await openSse(api.url + path, { ...auth, ...headers });
  readers.push(reader);
  return reader;
}

async function submit(queue: string): Promise<string> {
  const res = await call(api, 'POST', '/tasks', { token: TOKEN, body: { type: 'report', queue } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Plays the worker: claims the queue's one pending task (through the core, as the worker does). */
async function claim(queue: Pick<PartitionedQueue, 'claim'>): Promise<ClaimedTask> {
  const { tasks } = await queue.claim(1, 30_000);
  expect(tasks).toHaveLength(1);
  return tasks[0]!;
}

const data = (reader: SseReader, i: number) =>
  JSON.parse(reader.messages[i]!.data) as Record<string, unknown>;
/** One field of a message's JSON data. */
const field = (m: { data: string }, name: string): unknown =>
  (JSON.parse(m.data) as Record<string, unknown>)[name];

describe('GET /tasks/:id/events', () => {
  it('sends the task, its attempt, its progress and its result, then closes', async () => {
    const name = randomQueueName();
    const id = await submit(name);
    const queue = await testQueue(api.redis, name);
    const stream = await open(`/tasks/${id}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await stream.next(1);
    expect(stream.messages[0]).toMatchObject({ event: 'task' });
    expect(data(stream, 0)).toMatchObject({ id, status: 'pending', progress: null });

    const task = await claim(queue);
    expect(await queue.progress(task, 40)).toBe('ok');
    expect(await queue.progress(task, { step: 'render', done: 3, of: 10 })).toBe('ok');
    expect(await queue.complete([{ ...task, result: '{"pages":10}' }])).toEqual(['ok']);
    await stream.ended;

    expect(stream.messages.map((m) => m.event)).toEqual([
      'task',
      'state',
      'progress',
      'progress',
      'state',
      'task',
    ]);
    expect(data(stream, 1)).toEqual({
      taskId: id,
      queue: name,
      status: 'running',
      attempt: 1,
      at: expect.any(String),
    });
    expect(data(stream, 2)).toMatchObject({ taskId: id, progress: 40 });
    expect(data(stream, 3)).toMatchObject({ taskId: id, progress: { step: 'render', done: 3, of: 10 } });
    expect(data(stream, 4)).toMatchObject({ taskId: id, status: 'done' });
    expect(data(stream, 5)).toMatchObject({
      id,
      status: 'done',
      result: { pages: 10 },
      progress: { done: 3 },
    });
    // Every event but the first carries a stream id, in increasing order.
    const ids = stream.messages.slice(1, 5).map((m) => m.id!);
    expect(ids.every((i) => /^\d+-\d+$/.test(i))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('sends a finished task and closes at once', async () => {
    const name = randomQueueName();
    const id = await submit(name);
    expect((await call(api, 'DELETE', `/tasks/${id}`, { token: TOKEN })).status).toBe(200);
    const stream = await open(`/tasks/${id}/events`);
    await stream.ended;
    expect(stream.messages.map((m) => [m.event, field(m, 'status')])).toEqual([['task', 'canceled']]);
  });

  it('resumes after Last-Event-ID with the events it missed, then the task as it is now', async () => {
    const name = randomQueueName();
    const id = await submit(name);
    const queue = await testQueue(api.redis, name);
    const first = await open(`/tasks/${id}/events`);
    await first.next(1);
    const task = await claim(queue);
    const [, running] = await first.next(2);
    first.close();
    await waitFor(() => api.events.size === 0, {
      timeoutMs: 10_000,
      message: 'the server seeing the client leave',
    });

    // While the client is away (within the minute the feed's lease lasts), the handler reports progress.
    await queue.progress(task, 50);
    await queue.progress(task, 60);
    const second = await open(`/tasks/${id}/events`, { 'Last-Event-ID': running!.id! });
    await second.next(3);
    expect(second.messages.map((m) => [m.event, field(m, 'progress')])).toEqual([
      ['progress', 50],
      ['progress', 60],
      ['task', 60],
    ]);
    await queue.complete([task]);
    await second.ended;
    expect(second.messages.slice(3).map((m) => m.event)).toEqual(['state', 'task']);
  });

  it('needs the bearer token in the Authorization header, never in the URL', async () => {
    const id = await submit(randomQueueName());
    const none = await openSse(`${api.url}/tasks/${id}/events`);
    expect(none.status).toBe(401);
    const inUrl = await openSse(`${api.url}/tasks/${id}/events?access_token=${TOKEN}`);
    expect(inUrl.status).toBe(401);
    const wrong = await openSse(`${api.url}/tasks/${id}/events`, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(api.events.size).toBe(0);
  });

  it('answers 404 for an unknown task, 400 for a malformed Last-Event-ID, 409 when the queue has events off', async () => {
    const name = randomQueueName();
    const id = await submit(name);
    expect((await open(`/tasks/${name}.01JD3Z5Q6M8W2K4N7P9R1T3V5X/events`)).status).toBe(404);
    expect((await open('/tasks/nonsense/events')).status).toBe(404);
    const bad = await call(api, 'GET', `/tasks/${id}/events`, {
      token: TOKEN,
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'Last-Event-ID', message: expect.stringContaining('<ms>-<seq>') },
    ]);
    // A queue stream's id of a partitioned queue: a task stream's ids are of one partition's stream.
    const ofQueue = await call(api, 'GET', `/tasks/${id}/events`, {
      token: TOKEN,
      headers: { 'last-event-id': '1764513600123-0_1764513600119-4' },
    });
    expect(ofQueue.status).toBe(400);
    expect(ofQueue.body.errors).toEqual([
      { field: 'Last-Event-ID', message: expect.stringContaining('task stream sent ("<ms>-<seq>")') },
    ]);

    const off = await call(api, 'PUT', `/queues/${name}/events`, { token: TOKEN, body: { mode: 'off' } });
    expect(off.body).toMatchObject({ name, events: 'off' });
    const refused = await call(api, 'GET', `/tasks/${id}/events`, { token: TOKEN });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`PUT /queues/${name}/events`);
    expect(api.events.size).toBe(0);
  });

  it("ends open streams once the queue's events are turned off, so that clients poll instead", async () => {
    const name = randomQueueName();
    const id = await submit(name);
    const task = await open(`/tasks/${id}/events`);
    const queue = await open(`/queues/${name}/events`);
    await task.next(1);
    await waitFor(() => api.events.size === 2, { timeoutMs: 10_000, message: 'both streams open' });
    await call(api, 'PUT', `/queues/${name}/events`, { token: TOKEN, body: { mode: 'off' } });
    // The feed reads the mode when it renews its lease, every 20 s: nothing would be written any more,
    // and a stream left open would keep a waiting client from polling until its own timeout.
    await Promise.all([task.ended, queue.ended]);
    expect((await call(api, 'GET', `/tasks/${id}/events`, { token: TOKEN })).status).toBe(409);
    expect(api.events.size).toBe(0);
  }, 60_000);

  it('refuses streams past SSE_MAX_CLIENTS with 503 and Retry-After', async () => {
    const id = await submit(randomQueueName());
    for (let i = 0; i < 5; i++) await (await open(`/tasks/${id}/events`)).next(1);
    const refused = await call(api, 'GET', `/tasks/${id}/events`, { token: TOKEN });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.detail).toContain('SSE_MAX_CLIENTS');
  });
});

describe('GET /queues/:name/events', () => {
  it('streams state changes of every task of the queue, and resumes after Last-Event-ID', async () => {
    const name = randomQueueName();
    await submit(name); // the queue exists once it has a task
    const queue = await testQueue(api.redis, name);
    const stream = await open(`/queues/${name}/events`);
    const a = await submit(name);
    const b = await submit(name);
    const task = await claim(queue);
    await queue.progress(task, 10); // not sent on a queue stream
    const got = await stream.next(3);
    expect(got.map((m) => [m.event, field(m, 'taskId'), field(m, 'status')])).toEqual([
      ['state', a, 'pending'],
      ['state', b, 'pending'],
      ['state', expect.any(String), 'running'],
    ]);
    stream.close();

    const resumed = await open(`/queues/${name}/events`, { 'Last-Event-ID': got[0]!.id! });
    const again = await resumed.next(2);
    expect(again.map((m) => m.id)).toEqual([got[1]!.id, got[2]!.id]);
  });

  it('says so with a reset event when the stream was trimmed past Last-Event-ID', async () => {
    const name = randomQueueName();
    // The logical queue: one event stream per partition when TQ_TEST_PARTITIONS partitions it (ADR 0042).
    const queue = await testQueue(api.redis, name);
    await queue.setEventsMode('on');
    await submit(name);
    await submit(name);
    const { events } = await queue.readEvents('0-0');
    expect(events.length).toBeGreaterThanOrEqual(2);
    // The client saw the first event; the events after it are trimmed, whichever partition holds them.
    for (const partition of queue.partitions) await api.redis.xtrim(partition.keys.events, 'MAXLEN', 0);
    const late = await submit(name);
    const stream = await open(`/queues/${name}/events`, { 'Last-Event-ID': events[0]!.id });
    const [reset, state] = await stream.next(2);
    expect(reset!.event).toBe('reset');
    expect(JSON.parse(reset!.data) as unknown).toMatchObject({ queue: name, lastEventId: events[0]!.id });
    expect(JSON.parse(state!.data) as unknown).toMatchObject({ taskId: late, status: 'pending' });
  });

  it('disconnects a client that reads slower than the events come, and keeps serving the others', async () => {
    const slowApi = await startTestApi({ SSE_MAX_BUFFER_BYTES: '262144' });
    try {
      const name = randomQueueName();
      const queue = await testQueue(slowApi.redis, name);
      const created = await call(slowApi, 'POST', '/tasks', { body: { type: 'x', queue: name } });
      const task = await claim(queue);
      const path = `/tasks/${created.body.id}/events`;
      // A client that stops reading at once: the socket's buffers fill, then the server's.
      const stalled = await new Promise<IncomingMessage>((resolve) =>
        get(slowApi.url + path, (res) => resolve(res.pause())),
      );
      expect(stalled.statusCode).toBe(200);
      const reader = await openSse(slowApi.url + path);
      readers.push(reader);
      await waitFor(() => slowApi.events.size === 2, { timeoutMs: 10_000, message: 'both streams open' });
      // Progress reports of about 1 KB, until the stalled client holds more than loopback socket buffers
      // (a few MB) and SSE_MAX_BUFFER_BYTES; each round lets the reading client catch up.
      const report = { note: 'x'.repeat(900) };
      let sent = 0;
      await waitFor(
        async () => {
          await Promise.all(Array.from({ length: 200 }, () => queue.progress(task, report)));
          sent += 200;
          await reader.next(1 + sent, 30_000);
          return slowApi.events.size === 1 || sent >= 40_000;
        },
        { timeoutMs: 90_000, message: 'the stalled client being disconnected' },
      );
      expect(slowApi.events.size).toBe(1);
      expect(reader.messages.slice(1).every((m) => m.event === 'progress')).toBe(true);
      const metrics = await slowApi.registry.metrics();
      expect(metrics).toMatch(/^tq_event_streams 1$/m);
      expect(metrics).toMatch(/^tq_event_streams_dropped_total 1$/m);
      stalled.destroy();
    } finally {
      await slowApi.close();
    }
  }, 120_000);
});

describe('a client that leaves while its stream is being set up', () => {
  it('releases the stream and its subscription once Redis answers', async () => {
    // A Redis of its own: the test pauses its writes, which would stall every other test's API.
    const server = await startRedisServer();
    const own = await startTestApi({ REDIS_URL: server.url, REDIS_COMMAND_TIMEOUT_MS: '30000' });
    const admin = createRedis(server.url);
    try {
      const name = randomQueueName();
      const created = await call(own, 'POST', '/tasks', { body: { type: 'x', queue: name } });
      // Both routes check capacity before their first Redis call, and open the stream after their last.
      const started = jest.spyOn(own.events, 'assertCapacity');
      const opened = jest.spyOn(own.events, 'open');
      for (const path of [`/tasks/${created.body.id}/events`, `/queues/${name}/events`]) {
        started.mockClear();
        opened.mockClear();
        // The route's subscription takes the queue's 'auto' lease, a write: held until the unpause.
        await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
        const leave = new AbortController();
        const request = fetch(own.url + path, { signal: leave.signal }).catch(() => undefined);
        await waitFor(() => started.mock.calls.length > 0, { message: `${path} reaching the route` });
        leave.abort();
        await request;
        await waitFor(() => own.logs.some((l) => l.status === 499 && l.route === routeOf(path)), {
          message: `the API seeing the client of ${path} leave`,
        });
        await admin.call('CLIENT', 'UNPAUSE');
        await waitFor(() => opened.mock.calls.length > 0, { message: `${path} opening its stream` });
        expect(own.events.size).toBe(0);
        expect(own.events.feed.size).toMatchObject({ queues: 0, listeners: 0 });
      }
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
      await own.close();
      await server.stop();
    }
  });
});

/** The route pattern an events path is logged under. */
function routeOf(path: string): string {
  return path.startsWith('/tasks/') ? '/tasks/:id/events' : '/queues/:name/events';
}

describe('shutdown', () => {
  it('ends every open stream, so closing the API is not held by them', async () => {
    const other = await startTestApi();
    const name = randomQueueName();
    await call(other, 'POST', '/tasks', { body: { type: 'x', queue: name } });
    const stream = await openSse(`${other.url}/queues/${name}/events`);
    await waitFor(() => other.events.size === 1, { timeoutMs: 10_000, message: 'the stream open' });
    await other.close();
    await stream.ended;
    expect(other.events.size).toBe(0);
  });
});
