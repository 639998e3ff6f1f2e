import { Queue, type TaskStatus } from '@tq/core';
import { HistoryStore } from '@tq/history';
import { randomQueueName, startPostgresServer, startTestPostgres, type TestPostgres } from '@tq/testing';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

let pg: TestPostgres;
let store: HistoryStore;
let api: TestApi;

beforeAll(async () => {
  pg = await startTestPostgres();
  store = new HistoryStore({ url: pg.url });
  await store.migrate(); // what an archiver does at start
  api = await startTestApi({ DATABASE_URL: pg.url });
});
afterAll(async () => {
  await api?.close();
  await store?.close();
  await pg?.stop();
});

/** Retention that deletes every finished task at once (no archiver runs here: tq:archive is not set). */
const TRIM_ALL = { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 };

/**
 * Submits `n` tasks through the API and finishes them through the queue: every 3rd of type sms (else
 * email), every 5th dead, every 7th canceled, the rest done with a result. Returns the ids in order.
 */
async function finished(queue: Queue, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await call(api, 'POST', '/tasks', {
      body: { queue: queue.name, type: i % 3 === 0 ? 'sms' : 'email', payload: { i }, maxAttempts: 1 },
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  const canceled = ids.filter((_, i) => i % 7 === 6);
  for (const id of canceled) await queue.cancel(id);
  const { tasks } = await queue.claim(n, 60_000);
  const dead = tasks.filter((t) => ids.indexOf(t.id) % 5 === 4);
  const done = tasks.filter((t) => ids.indexOf(t.id) % 5 !== 4);
  await queue.fail(dead.map((t) => ({ ...t, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' })));
  await queue.complete(done.map((t) => ({ ...t, result: JSON.stringify({ ok: t.id }) })));
  return ids;
}

/** Archives the tasks as an archiver would: their records as Redis holds them, one upsert. */
async function archive(queue: Queue, ids: string[]): Promise<void> {
  const records = await Promise.all(ids.map((id) => queue.getTask(id)));
  await store.upsert(records.map((r) => r!));
}

/** What these tests read of a task summary. */
interface Summary {
  id: string;
  queue: string;
  finishedAt: string;
}

/** Every page of a search, following nextCursor. */
async function allPages(query: string): Promise<Summary[]> {
  const tasks: Summary[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(
      api,
      'GET',
      `/tasks?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    tasks.push(...(res.body.tasks as Summary[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return tasks;
}

describe('GET /tasks/:id with a task history (real PostgreSQL)', () => {
  it('reads Redis while it has the task, then the archive, with the same task and where it came from', async () => {
    const queue = new Queue(api.redis, randomQueueName('hist'));
    const ids = await finished(queue, 6);
    await archive(queue, ids);
    const live = await Promise.all(ids.map((id) => call(api, 'GET', `/tasks/${id}`)));
    for (const res of live) expect(res.body.source).toBe('redis');

    // Retention deletes them from Redis (here without waiting for an archiver: none runs).
    await queue.trim(TRIM_ALL, 1000);
    for (const id of ids) expect(await queue.getTask(id)).toBeNull();

    for (const [i, id] of ids.entries()) {
      const res = await call(api, 'GET', `/tasks/${id}`);
      expect(res.status).toBe(200);
      const { source, ...task } = res.body;
      expect(source).toBe('archive');
      const { source: liveSource, ...liveTask } = live[i]!.body;
      expect(liveSource).toBe('redis');
      expect(task).toEqual(liveTask); // every field: payload, result, errors, times, status
    }
  });

  it('answers 404 for a task neither Redis nor the archive has', async () => {
    const res = await call(api, 'GET', `/tasks/${randomQueueName('none')}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/neither Redis nor the task history/);
  });
});

describe('GET /tasks: a search of the task history', () => {
  let queue: Queue;
  let ids: string[];
  beforeAll(async () => {
    queue = new Queue(api.redis, randomQueueName('search'));
    ids = await finished(queue, 40);
    await archive(queue, ids);
  });

  it('pages through a queue newest finished first, each task once, with nothing skipped', async () => {
    const tasks = await allPages(`queue=${queue.name}&limit=7`);
    expect(tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
    const order = tasks.map((t) => [Date.parse(t.finishedAt), t.id] as const);
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [order[i - 1]!, order[i]!];
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])).toBe(true);
    }
    expect(tasks[0]).toMatchObject({ queue: queue.name, leaseExpiresAt: null });
    expect(tasks[0]).not.toHaveProperty('payload'); // a summary: GET /tasks/:id has the rest
  });

  it('filters by type, status and finish time', async () => {
    const states = new Map<string, TaskStatus>();
    for (const id of ids) states.set(id, (await queue.getTask(id))!.status);
    const sms = await allPages(`queue=${queue.name}&type=sms`);
    expect(sms.map((t) => t.id).sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
    for (const status of ['done', 'dead', 'canceled'] as const) {
      const page = await allPages(`queue=${queue.name}&status=${status}&limit=1000`);
      const expected = ids.filter((id) => states.get(id) === status);
      expect(expected.length).toBeGreaterThan(0);
      expect(page.map((t) => t.id).sort()).toEqual(expected.sort());
    }
    const all = await allPages(`queue=${queue.name}&limit=1000`);
    const times = all.map((t) => Date.parse(t.finishedAt)).sort((a, b) => a - b);
    const cut = times[Math.floor(times.length / 2)]!;
    const before = await allPages(`queue=${queue.name}&to=${cut}`);
    const after = await allPages(`queue=${queue.name}&from=${new Date(cut).toISOString()}`);
    expect(before.length + after.length).toBe(ids.length);
    expect(before.every((t) => Date.parse(t.finishedAt) < cut)).toBe(true);
    expect(after.every((t) => Date.parse(t.finishedAt) >= cut)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
  });

  it('refuses bad input with 400 naming the field', async () => {
    for (const [query, field] of [
      ['status=pending', 'status'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['from=yesterday', 'from'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['queue=a%20b', 'queue'],
      ['cursor=h1.bm90LWEtY3Vyc29y', 'cursor'],
      ['cursor=abc', 'cursor'],
    ] as const) {
      const res = await call(api, 'GET', `/tasks?${query}`);
      expect([query, res.status, res.headers.get('content-type')]).toEqual([
        query,
        400,
        'application/problem+json; charset=utf-8',
      ]);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
    const unknown = await call(api, 'GET', '/tasks?state=done');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/unknown parameter state/);
  });
});

describe('deleting a finished task: DELETE /tasks/:id/record and the bulk delete, in both places', () => {
  it('deletes it in Redis and in the history; a waiting task is refused; a second call is 404', async () => {
    const queue = new Queue(api.redis, randomQueueName('del'));
    const ids = await finished(queue, 3);
    await archive(queue, ids);
    const [id] = ids;
    const first = await call(api, 'DELETE', `/tasks/${id}/record`);
    expect([first.status, first.body]).toEqual([200, { id, redis: true, archive: true }]);
    expect(await queue.getTask(id!)).toBeNull();
    expect(await store.find(id!)).toBeNull();
    expect((await call(api, 'GET', `/tasks/${id}`)).status).toBe(404);
    expect((await call(api, 'DELETE', `/tasks/${id}/record`)).status).toBe(404);

    // Only in the archive (retention deleted it from Redis): the row goes.
    await queue.trim(TRIM_ALL, 1000);
    const archived = await call(api, 'DELETE', `/tasks/${ids[1]}/record`);
    expect([archived.status, archived.body]).toEqual([200, { id: ids[1], redis: false, archive: true }]);
    expect(await store.find(ids[1]!)).toBeNull();

    const waiting = await call(api, 'POST', '/tasks', { body: { queue: queue.name, type: 'email' } });
    const refused = await call(api, 'DELETE', `/tasks/${waiting.body.id}/record`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/is pending/);
    expect(await queue.getTask(waiting.body.id as string)).not.toBeNull();
  });

  it('the bulk delete by ids removes the rows of tasks Redis no longer has', async () => {
    const queue = new Queue(api.redis, randomQueueName('bulkdel'));
    const ids = await finished(queue, 4);
    await archive(queue, ids);
    await queue.trim(TRIM_ALL, 1000); // only the history has them now
    const res = await call(api, 'POST', `/queues/${queue.name}/tasks/actions`, {
      body: { action: 'delete', ids },
    });
    expect(res.status).toBe(200);
    for (const id of ids) expect(await store.find(id)).toBeNull();
  });
});

describe('PostgreSQL down', () => {
  it('answers 503 problem+json for history reads, keeps serving Redis, and recovers when it is back', async () => {
    // A server of our own: the shared one is never stopped.
    const server = await startPostgresServer();
    const url = server.url.replace('postgres@', 'postgres:s3cret@');
    const own = new HistoryStore({ url });
    const down = await startTestApi({ DATABASE_URL: url });
    try {
      await own.migrate();
      const queue = new Queue(down.redis, randomQueueName('down'));
      const submitted = await call(down, 'POST', '/tasks', { body: { queue: queue.name, type: 'email' } });
      const { tasks } = await queue.claim(1, 60_000);
      await queue.complete(tasks.map((t) => ({ ...t, result: '1' })));
      await own.upsert([(await queue.getTask(submitted.body.id as string))!]);
      await queue.trim(TRIM_ALL, 1000);
      expect((await call(down, 'GET', `/tasks/${submitted.body.id}`)).body.source).toBe('archive');
      expect((await call(down, 'GET', `/tasks?queue=${queue.name}`)).body.tasks).toHaveLength(1);

      await server.kill();
      for (const path of [`/tasks?queue=${queue.name}`, `/tasks/${submitted.body.id}`]) {
        const res = await call(down, 'GET', path);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.body).toMatchObject({ type: 'urn:tq:problem:unavailable', status: 503 });
        expect(res.body.detail).toMatch(/task history \(PostgreSQL\)/);
        expect(JSON.stringify(res.body)).not.toContain('s3cret');
      }
      // Redis is served as before: submissions and live tasks.
      const more = await call(down, 'POST', '/tasks', { body: { queue: queue.name, type: 'email' } });
      expect(more.status).toBe(201);
      expect((await call(down, 'GET', `/tasks/${more.body.id}`)).body.source).toBe('redis');
      expect(down.logs.some((l) => JSON.stringify(l).includes('s3cret'))).toBe(false);

      await server.restart();
      const back = await call(down, 'GET', `/tasks/${submitted.body.id}`);
      expect([back.status, back.body.source]).toEqual([200, 'archive']);
    } finally {
      await down.close();
      await own.close();
      await server.stop();
    }
  });
});
