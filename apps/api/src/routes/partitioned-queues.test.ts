import { ManualClock, PartitionedQueue, parseTaskId } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { openSse, type SseReader } from '../test-support/sse';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

const ADMIN = 'admin-token';
const PRODUCER = 'producer-token';
const PARTITIONS = 3;

let api: TestApi;
beforeAll(async () => {
  // QUEUE_DEFAULT_PARTITIONS 1 (the default) whatever TQ_TEST_PARTITIONS says: some tests here are about it.
  api = await startTestApi({
    API_TOKENS: ADMIN,
    API_PRODUCER_TOKENS: PRODUCER,
    QUEUE_DEFAULT_PARTITIONS: '1',
  });
});
const readers: SseReader[] = [];
afterEach(() => readers.splice(0).forEach((r) => r.close()));
afterAll(() => api.close());

async function openEvents(path: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await openSse(api.url + path, { authorization: `Bearer ${ADMIN}`, ...headers });
  readers.push(reader);
  return reader;
}

async function newQueue(partitions = PARTITIONS): Promise<string> {
  const name = randomQueueName();
  const res = await call(api, 'PUT', `/queues/${name}`, { body: { partitions }, token: ADMIN });
  expect(res).toMatchObject({ status: 201, body: { name, partitions } });
  return name;
}

async function submit(queue: string, extra: object = {}): Promise<string> {
  const res = await call(api, 'POST', '/tasks', {
    body: { type: 'email', queue, ...extra },
    token: PRODUCER,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const partitionOf = (id: string) => parseTaskId(id)?.partition ?? 0;

/** Every task of `state` by pages of `limit`, following nextCursor to the end. */
async function listAll(queue: string, state: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const query = `state=${state}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await call(api, 'GET', `/queues/${queue}/tasks?${query}`, { token: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body.tasks.length).toBeLessThanOrEqual(limit);
    ids.push(...(res.body.tasks as { id: string }[]).map((t) => t.id));
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) return ids;
  }
  throw new Error('the pages never ended');
}

describe('partitioned queues over HTTP', () => {
  it('PUT /queues/:name creates a queue of N partitions once; the same count again is 200, another 409', async () => {
    const name = await newQueue();
    expect((await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).body).toMatchObject({
      name,
      partitions: PARTITIONS,
      counts: { pending: 0 },
    });
    expect((await call(api, 'GET', '/queues', { token: ADMIN })).body.queues).toContainEqual(
      expect.objectContaining({ name, partitions: PARTITIONS }),
    );
    const again = await call(api, 'PUT', `/queues/${name}`, {
      body: { partitions: PARTITIONS },
      token: ADMIN,
    });
    expect(again).toMatchObject({ status: 200, body: { name, partitions: PARTITIONS } });
    const other = await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 4 }, token: ADMIN });
    expect(other.status).toBe(409);
    expect(other.body.detail).toContain(`already exists with ${PARTITIONS} partitions, not 4`);
    expect(other.body.detail).toContain(`POST /queues/${name}/resize {"partitions": 4}`);
  });

  it('POST /queues/:name/resize grows a queue online, refuses another resize while it settles, and keeps an idempotency key one task', async () => {
    // Creating a queue of N partitions is itself a resize from one (ADR 0050): it settles first.
    const young = await newQueue(2);
    const early = await call(api, 'POST', `/queues/${young}/resize`, {
      body: { partitions: 4 },
      token: ADMIN,
    });
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('settles until');
    // The same creation a minute ago: settled.
    const name = randomQueueName();
    await PartitionedQueue.create(api.redis, name, 2, new ManualClock(Date.now() - 60_000));
    const keyed = { idempotencyKey: 'order-1' };
    const first = await submit(name, keyed);
    const grown = await call(api, 'POST', `/queues/${name}/resize`, {
      body: { partitions: 4 },
      token: ADMIN,
    });
    expect(grown).toMatchObject({ status: 200, body: { name, partitions: 4, counts: { pending: 1 } } });
    const again = await call(api, 'POST', '/tasks', {
      body: { type: 'email', queue: name, ...keyed },
      token: PRODUCER,
    });
    expect(again.body.id).toBe(first);
    const settling = await call(api, 'POST', `/queues/${name}/resize`, {
      body: { partitions: 2 },
      token: ADMIN,
    });
    expect(settling.status).toBe(409);
    expect(settling.body.detail).toContain('settles until');
    const unknown = await call(api, 'POST', `/queues/${randomQueueName()}/resize`, {
      body: { partitions: 2 },
      token: ADMIN,
    });
    expect(unknown.status).toBe(404);
    const bad = await call(api, 'POST', `/queues/${name}/resize`, { body: { partitions: 0 }, token: ADMIN });
    expect(bad.status).toBe(400);
  });

  it('after a shrink, GET /queues and GET /queues/:name show the draining partitions (still counted in partitions)', async () => {
    const name = randomQueueName();
    await PartitionedQueue.create(api.redis, name, 3, new ManualClock(Date.now() - 60_000));
    // Without keys, tasks go round robin: each partition holds some.
    await Promise.all(Array.from({ length: 6 }, () => submit(name)));
    const shrunk = await call(api, 'POST', `/queues/${name}/resize`, {
      body: { partitions: 1 },
      token: ADMIN,
    });
    expect(shrunk).toMatchObject({ status: 200, body: { partitions: 3, draining: [1, 2] } });
    const shown = await call(api, 'GET', `/queues/${name}`, { token: PRODUCER });
    expect(shown.body).toMatchObject({ partitions: 3, draining: [1, 2], counts: { pending: 6 } });
    // The queue's count is the resized one: creating it again with that count is the idempotent 200.
    const again = await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 1 }, token: ADMIN });
    expect(again.status).toBe(200);
    const listed = await call(api, 'GET', '/queues', { token: PRODUCER });
    const { queues } = listed.body as unknown as { queues: { name: string; draining: number[] }[] };
    expect(queues.find((q) => q.name === name)?.draining).toEqual([1, 2]);
    const plain = await newQueue(1);
    expect((await call(api, 'GET', `/queues/${plain}`, { token: PRODUCER })).body).toMatchObject({
      partitions: 1,
      draining: [],
    });
  });

  it('a queue that received tasks without a count has 1 partition: another count is 409', async () => {
    const name = randomQueueName();
    await submit(name);
    expect((await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).body.partitions).toBe(1);
    const res = await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 2 }, token: ADMIN });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('already exists with 1 partition');
    // Not "set when a queue is created": a resize changes it, and the error says how.
    expect(res.body.detail).not.toContain('set when a queue is created');
    expect(res.body.detail).toContain(`POST /queues/${name}/resize {"partitions": 2}`);
    const same = await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 1 }, token: ADMIN });
    expect(same).toMatchObject({ status: 200, body: { partitions: 1, counts: { pending: 1 } } });
  });

  it.each([
    [{ partitions: 0 }, 'partitions: partitions must be at least 1'],
    [{ partitions: 257 }, 'partitions: partitions must be at most 256'],
    [{ partitions: 2.5 }, 'partitions must be a whole number'],
    [{ partitions: '3' }, 'partitions must be a number'],
    [{}, 'partitions'],
    [{ partitions: 3, shards: 2 }, 'unknown field shards'],
  ])('a bad count %j is 400 saying what is wrong, and creates nothing', async (body, message) => {
    const name = randomQueueName();
    const res = await call(api, 'PUT', `/queues/${name}`, { body, token: ADMIN });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain(message);
    expect((await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).status).toBe(404);
  });

  it('creating a queue needs an admin token', async () => {
    const name = randomQueueName();
    const res = await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 2 }, token: PRODUCER });
    expect(res.status).toBe(403);
  });

  it('spreads tasks over the partitions; a partitionKey keeps its tasks in one; an idempotency key gives one task', async () => {
    const name = await newQueue();
    const spread = await Promise.all(Array.from({ length: 12 }, () => submit(name)));
    expect(new Set(spread.map(partitionOf)).size).toBe(PARTITIONS);
    const keyed = await Promise.all(
      Array.from({ length: 6 }, () => submit(name, { partitionKey: 'customer-42' })),
    );
    expect(new Set(keyed.map(partitionOf)).size).toBe(1);
    const batch = await call(api, 'POST', '/tasks/batch', {
      body: { tasks: [1, 2, 3].map(() => ({ type: 'email', queue: name, partitionKey: 'customer-42' })) },
      token: PRODUCER,
    });
    expect(batch.status).toBe(200);
    const batchIds = (batch.body.results as { task: { id: string } }[]).map((r) => r.task.id);
    expect(batchIds.map(partitionOf)).toEqual(batchIds.map(() => partitionOf(keyed[0]!)));

    const body = { type: 'email', queue: name, idempotencyKey: 'order-7', payload: { n: 7 } };
    const first = await call(api, 'POST', '/tasks', { body, token: PRODUCER });
    const second = await call(api, 'POST', '/tasks', { body, token: PRODUCER });
    expect(first.status).toBe(201);
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id } });
    const counts = (await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).body.counts;
    expect(counts.pending).toBe(12 + 6 + 3 + 1);

    const bad = await call(api, 'POST', '/tasks', {
      body: { type: 'email', queue: name, partitionKey: 'two words' },
      token: PRODUCER,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ field: 'partitionKey' }));
  });

  it('GET /tasks/:id reads a task in any partition and names its partition', async () => {
    const name = await newQueue();
    const ids = await Promise.all(Array.from({ length: 9 }, () => submit(name)));
    for (const id of ids) {
      const res = await call(api, 'GET', `/tasks/${id}`, { token: ADMIN });
      expect(res).toMatchObject({ status: 200, body: { id, queue: name, partition: partitionOf(id) } });
    }
    const missing = `${name}.7.${ids[0]!.split('.').at(-1)}`;
    expect((await call(api, 'GET', `/tasks/${missing}`, { token: ADMIN })).status).toBe(404);
  });

  it('lists every state across partitions by pages, no task missed or doubled, and the counts add up', async () => {
    const name = await newQueue();
    const q = await PartitionedQueue.open(api.redis, name);
    const submitted = await Promise.all(
      Array.from({ length: 60 }, (_, i) => submit(name, { priority: i % 3 })),
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => submit(name, { delayMs: 60_000 + i * 1000 })));
    // Claim 40: 10 done, 10 dead, 10 retry (fail with a backoff), 10 running; then cancel 5 pending.
    const claimed: { id: string; token: string }[] = [];
    while (claimed.length < 40) claimed.push(...(await q.claim(40 - claimed.length, 60_000)).tasks);
    const [done, dead, retry] = [claimed.slice(0, 10), claimed.slice(10, 20), claimed.slice(20, 30)];
    expect(await q.complete(done)).toEqual(done.map(() => 'ok'));
    await q.fail(dead.map((l) => ({ ...l, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' })));
    await q.fail(retry.map((l) => ({ ...l, error: 'later', retryDelayMs: 600_000 })));
    const pendingNow = await listAll(name, 'pending', 1000);
    const canceled = pendingNow.slice(0, 5);
    for (const id of canceled)
      expect((await call(api, 'POST', `/tasks/${id}/cancel`, { token: ADMIN })).status).toBe(200);

    const expected: Record<string, number> = {
      pending: 15,
      scheduled: 10,
      running: 10,
      retry: 10,
      dead: 10,
      done: 10,
      canceled: 5,
    };
    const stats = (await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).body;
    expect(stats.counts).toEqual(expected);
    expect(stats.waiting).toBe(15 + 10 + 10);
    const seen = new Set<string>();
    for (const [state, count] of Object.entries(expected)) {
      for (const limit of [1, 4, 1000]) {
        const ids = await listAll(name, state, limit);
        expect({ state, limit, n: ids.length, distinct: new Set(ids).size }).toEqual({
          state,
          limit,
          n: count,
          distinct: count,
        });
        ids.forEach((id) => seen.add(id));
      }
    }
    expect(seen.size).toBe(70);
    expect([...seen].every((id) => submitted.includes(id) || id.startsWith(`${name}.`))).toBe(true);
    // Tasks of every partition are in the lists, in partitions > 0 too.
    expect(new Set([...seen].map(partitionOf)).size).toBe(PARTITIONS);

    // The merged order is the list order: pending by priority (highest first), finished newest first.
    const pending = (
      await call(api, 'GET', `/queues/${name}/tasks?state=pending&limit=1000`, { token: ADMIN })
    ).body.tasks as { priority: number }[];
    expect(pending.map((t) => t.priority)).toEqual([...pending.map((t) => t.priority)].sort((a, b) => b - a));
    const scheduled = (
      await call(api, 'GET', `/queues/${name}/tasks?state=scheduled&limit=4`, { token: ADMIN })
    ).body.tasks as { runAt: string }[];
    expect(scheduled.map((t) => t.runAt)).toEqual([...scheduled.map((t) => t.runAt)].sort());

    const other = await call(api, 'GET', `/queues/${name}/tasks?state=pending&limit=1`, { token: ADMIN });
    const wrongState = await call(
      api,
      'GET',
      `/queues/${name}/tasks?state=dead&cursor=${other.body.nextCursor}`,
      { token: ADMIN },
    );
    expect(wrongState.status).toBe(400);
    expect(wrongState.body.detail).toContain('not "dead"');
  });

  it('pauses and resumes every partition', async () => {
    const name = await newQueue();
    await Promise.all(Array.from({ length: 6 }, () => submit(name)));
    const paused = await call(api, 'POST', `/queues/${name}/pause`, { token: ADMIN });
    expect(paused).toMatchObject({ status: 200, body: { paused: true, partitions: PARTITIONS } });
    const q = await PartitionedQueue.open(api.redis, name);
    for (const p of q.partitions) expect((await p.stats()).paused).toBe(true);
    expect((await q.claim(10, 30_000)).tasks).toHaveLength(0);
    const resumed = await call(api, 'POST', `/queues/${name}/resume`, { token: ADMIN });
    expect(resumed).toMatchObject({ status: 200, body: { paused: false } });
    for (const p of q.partitions) expect((await p.stats()).paused).toBe(false);
    const claimed = [];
    while (claimed.length < 6) claimed.push(...(await q.claim(6, 30_000)).tasks);
    expect(claimed).toHaveLength(6);
  });

  it('acts on tasks in partitions > 0: run, cancel, retry, delete, and in bulk by ids and by state', async () => {
    const name = await newQueue();
    const q = await PartitionedQueue.open(api.redis, name);
    const later = await Promise.all(Array.from({ length: 9 }, () => submit(name, { delayMs: 600_000 })));
    const far = later.filter((id) => partitionOf(id) > 0);
    expect(far.length).toBeGreaterThan(0);
    // run: a scheduled task of partition > 0 to pending.
    const run = await call(api, 'POST', `/tasks/${far[0]}/run`, { token: ADMIN });
    expect(run).toMatchObject({
      status: 200,
      body: { id: far[0], status: 'pending', partition: partitionOf(far[0]!) },
    });
    // cancel in bulk by state: every scheduled task, whatever its partition, one page.
    const bulk = await call(api, 'POST', `/queues/${name}/tasks/actions`, {
      body: { action: 'cancel', state: 'scheduled', limit: 100 },
      token: ADMIN,
    });
    expect(bulk.status).toBe(200);
    expect([...bulk.body.applied].sort()).toEqual(later.filter((id) => id !== far[0]).sort());
    expect(bulk.body.nextCursor).toBeNull();
    // retry a dead task of partition > 0, then delete finished ones by ids.
    const claimed = [];
    while (claimed.length < 1) claimed.push(...(await q.claim(1, 30_000)).tasks);
    expect(claimed[0]!.id).toBe(far[0]);
    await q.fail([{ ...claimed[0]!, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' }]);
    const retried = await call(api, 'POST', `/tasks/${far[0]}/retry`, { token: ADMIN });
    expect(retried).toMatchObject({ status: 200, body: { status: 'pending' } });
    const canceled = later.filter((id) => id !== far[0]);
    const del = await call(api, 'POST', `/queues/${name}/tasks/actions`, {
      body: { action: 'delete', ids: canceled },
      token: ADMIN,
    });
    expect([...del.body.applied].sort()).toEqual([...canceled].sort());
    expect((await call(api, 'GET', `/queues/${name}`, { token: ADMIN })).body.counts).toMatchObject({
      pending: 1,
      canceled: 0,
      scheduled: 0,
    });
    // An id naming a partition the queue does not have is refused, not routed.
    const foreign = `${name}.9.${far[0]!.split('.').at(-1)}`;
    const refused = await call(api, 'POST', `/queues/${name}/tasks/actions`, {
      body: { action: 'cancel', ids: [foreign] },
      token: ADMIN,
    });
    expect(refused.status).toBe(400);
  });

  it('refuses a limit below the partition count with 400 naming the field and what to set', async () => {
    const name = await newQueue();
    for (const [body, field] of [
      [{ concurrency: 2 }, 'concurrency'],
      [{ rate: { max: 2, periodMs: 1000 } }, 'rate.max'],
    ] as const) {
      const res = await call(api, 'PUT', `/queues/${name}/limits`, { body, token: ADMIN });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field, message: expect.stringContaining(`set ${field} to ${PARTITIONS} or more`) as string },
      ]);
    }
  });

  it('history and limits are one logical queue', async () => {
    const name = await newQueue();
    const q = await PartitionedQueue.open(api.redis, name);
    await Promise.all(Array.from({ length: 9 }, () => submit(name)));
    const claimed = [];
    while (claimed.length < 9) claimed.push(...(await q.claim(9, 30_000)).tasks);
    await q.complete(claimed);
    const history = await call(api, 'GET', `/stats/history?queue=${name}&minutes=5`, { token: ADMIN });
    expect(history.status).toBe(200);
    expect(history.body.totals).toEqual({ processed: 9, failed: 0 });
    const limits = await call(api, 'PUT', `/queues/${name}/limits`, {
      body: { concurrency: 7 },
      token: ADMIN,
    });
    expect(limits).toMatchObject({ status: 200, body: { concurrency: 7 } });
  });

  it('streams the events of every partition as one queue stream, and resumes each partition after Last-Event-ID', async () => {
    const name = await newQueue();
    const stream = await openEvents(`/queues/${name}/events`);
    expect(stream.status).toBe(200);
    const first = await Promise.all(Array.from({ length: 6 }, () => submit(name)));
    const got = await stream.next(6);
    expect(new Set(got.map((m) => (JSON.parse(m.data) as { taskId: string }).taskId))).toEqual(
      new Set(first),
    );
    // The id holds every partition's position: one `<ms>-<seq>` per partition.
    for (const m of got) expect(m.id!.split('_')).toHaveLength(PARTITIONS);
    stream.close();

    const later = await Promise.all(Array.from({ length: 6 }, () => submit(name)));
    const resumed = await openEvents(`/queues/${name}/events`, { 'Last-Event-ID': got[5]!.id! });
    const again = await resumed.next(6);
    expect(new Set(again.map((m) => (JSON.parse(m.data) as { taskId: string }).taskId))).toEqual(
      new Set(later),
    );
    // Resuming from the middle gives exactly what came after, from every partition.
    const middle = await openEvents(`/queues/${name}/events`, { 'Last-Event-ID': got[2]!.id! });
    const rest = await middle.next(9);
    const ids = rest.map((m) => (JSON.parse(m.data) as { taskId: string }).taskId);
    const missed = got.slice(3).map((m) => (JSON.parse(m.data) as { taskId: string }).taskId);
    expect(new Set(ids)).toEqual(new Set([...missed, ...later]));
    expect(ids).toHaveLength(9);

    const foreign = await call(api, 'GET', `/queues/${name}/events`, {
      token: ADMIN,
      headers: { 'Last-Event-ID': '1-0' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.detail).toContain('reconnect without Last-Event-ID');
  });

  it("streams a task of partition > 0 from its partition, with that stream's ids", async () => {
    const name = await newQueue();
    const ids = await Promise.all(Array.from({ length: 6 }, () => submit(name)));
    const id = ids.find((i) => partitionOf(i) > 0)!;
    const stream = await openEvents(`/tasks/${id}/events`);
    const [task] = await stream.next(1);
    expect(JSON.parse(task!.data)).toMatchObject({ id, partition: partitionOf(id) });
    const q = await PartitionedQueue.open(api.redis, name);
    const lease = (await q.partitionOf(id).claim(6, 30_000)).tasks.find((t) => t.id === id)!;
    await q.complete([lease]);
    await stream.ended;
    expect(stream.messages.map((m) => m.event)).toEqual(['task', 'state', 'state', 'task']);
    expect(JSON.parse(stream.messages.at(-1)!.data)).toMatchObject({ id, status: 'done' });
    expect(stream.messages[1]!.id).toMatch(/^\d+-\d+$/);
  });
});
