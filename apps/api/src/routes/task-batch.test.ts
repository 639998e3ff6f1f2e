import { DEFAULT_RETENTION, createRedis } from '@tq/core';
import { randomQueueName, startRedisServer } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ QUEUE_MAX_DEPTH: '3', MAX_PAYLOAD_BYTES: '1000' });
});
afterAll(() => api.close());

describe('POST /tasks/batch', () => {
  it('is 200 when every task is stored, with results in request order', async () => {
    const queue = randomQueueName();
    const res = await call(api, 'POST', '/tasks/batch', {
      body: {
        tasks: [
          { type: 'a', queue },
          { type: 'b', queue, payload: { x: 1 } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, replayed: 0, failed: 0 });
    const results = res.body.results as { index: number; status: number; task: { type: string } }[];
    expect(results.map((r) => [r.index, r.status, r.task.type])).toEqual([
      [0, 201, 'a'],
      [1, 201, 'b'],
    ]);
    expect((await call(api, 'GET', `/tasks/${res.body.results[1].task.id}`)).body.payload).toEqual({ x: 1 });
  });

  it('is 207 with a problem per refused item: invalid 400, too large 413, reused key 409, queue full 429', async () => {
    const queue = randomQueueName();
    const full = randomQueueName();
    // One partition each: QUEUE_MAX_DEPTH holds per partition share on a partitioned queue (ADR 0040).
    for (const name of [queue, full]) {
      expect((await call(api, 'PUT', `/queues/${name}`, { body: { partitions: 1 } })).status).toBe(201);
    }
    await call(api, 'POST', '/tasks', { body: { type: 'a', queue, idempotencyKey: 'once' } });
    for (let i = 0; i < 3; i++) await call(api, 'POST', '/tasks', { body: { type: 'a', queue: full } });
    const res = await call(api, 'POST', '/tasks/batch', {
      body: {
        tasks: [
          { type: 'a', queue },
          { type: 7, queue },
          { type: 'a', queue, payload: 'x'.repeat(2000) },
          { type: 'a', queue, idempotencyKey: 'once' },
          { type: 'b', queue, idempotencyKey: 'once' },
          { type: 'a', queue: full },
        ],
      },
    });
    expect(res.status).toBe(207);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ created: 1, replayed: 1, failed: 4 });
    const [stored, invalid, tooLarge, replayed, conflict, queueFull] = res.body.results;
    expect(stored).toMatchObject({ index: 0, status: 201 });
    expect(invalid).toMatchObject({
      index: 1,
      status: 400,
      type: 'urn:tq:problem:invalid-request',
      errors: [{ field: 'type' }],
    });
    expect(tooLarge).toMatchObject({ index: 2, status: 413, type: 'urn:tq:problem:payload-too-large' });
    expect(tooLarge.detail).toMatch(/the limit is 1000/);
    expect(replayed).toMatchObject({ index: 3, status: 200 });
    expect(conflict).toMatchObject({ index: 4, status: 409, type: 'urn:tq:problem:conflict' });
    expect(queueFull).toMatchObject({ index: 5, status: 429, type: 'urn:tq:problem:queue-full' });
  });

  it('answers an item whose idempotent replay finds its task deleted by retention 404 not-found, not 409', async () => {
    const queue = randomQueueName();
    const body = { type: 'a', queue, idempotencyKey: 'trimmed' };
    const first = await call(api, 'POST', '/tasks', { body });
    expect((await call(api, 'DELETE', `/tasks/${first.body.id}`)).status).toBe(200);
    // Retention deletes the canceled task; its idempotency key outlives it.
    await (await testQueue(api.redis, queue)).trim({ ...DEFAULT_RETENTION, finishedMaxCount: 0 });
    const res = await call(api, 'POST', '/tasks/batch', { body: { tasks: [body] } });
    expect(res.status).toBe(207);
    expect(res.body.results[0]).toMatchObject({ index: 0, status: 404, type: 'urn:tq:problem:not-found' });
    expect(res.body.results[0].detail).toContain(first.body.id);
  });

  it('answers an item whose idempotent replay cannot be read from Redis 503 with Retry-After, not 409, like POST /tasks', async () => {
    // A Redis user that may run the scripts but not read a task hash: the replay's read fails, nothing else.
    const server = await startRedisServer();
    const admin = createRedis(server.url);
    await admin.acl('SETUSER', 'noread', 'on', '>pw', '~*', '&*', '+@all', '-hgetall');
    const limited = await startTestApi({ REDIS_URL: `redis://noread:pw@127.0.0.1:${server.port}` });
    try {
      const queue = randomQueueName();
      const body = { type: 'a', queue, idempotencyKey: 'k' };
      expect((await call(limited, 'POST', '/tasks', { body })).status).toBe(201);
      const res = await call(limited, 'POST', '/tasks/batch', {
        body: { tasks: [body, { type: 'b', queue }] },
      });
      expect(res.status).toBe(207);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body.results[0]).toMatchObject({
        index: 0,
        status: 503,
        type: 'urn:tq:problem:unavailable',
      });
      expect(res.body.results[0].detail).toMatch(/retry with the same key/);
      expect(res.body.results[1]).toMatchObject({ index: 1, status: 201 });
      const single = await call(limited, 'POST', '/tasks', { body });
      expect([single.status, single.headers.get('retry-after')]).toEqual([503, '1']);
    } finally {
      await limited.close();
      admin.disconnect();
      await server.stop();
    }
  });

  it('refuses a malformed batch as a whole: not {tasks}, empty, over 1000, an Idempotency-Key header', async () => {
    const cases: [unknown, Record<string, string>, string][] = [
      [{ task: [] }, {}, ''],
      [{ tasks: [] }, {}, 'tasks'],
      [{ tasks: Array.from({ length: 1001 }, () => ({ type: 'a' })) }, {}, 'tasks'],
      [{ tasks: [{ type: 'a' }] }, { 'Idempotency-Key': 'k' }, 'Idempotency-Key'],
    ];
    for (const [body, headers, field] of cases) {
      const res = await call(api, 'POST', '/tasks/batch', { body, headers });
      expect(res.status).toBe(400);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
  });
});
