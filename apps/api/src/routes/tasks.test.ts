import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('POST /tasks', () => {
  it("stores the seed's body as it is: 201, Location, and GET /tasks/:id finds it", async () => {
    const res = await call(api, 'POST', '/tasks', { body: '{"type":"email","payload":"hello world"}' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      queue: 'default',
      type: 'email',
      payload: 'hello world',
      status: 'pending',
      attempt: 0,
    });
    expect(res.headers.get('location')).toBe(`/tasks/${res.body.id}`);
    const got = await call(api, 'GET', res.headers.get('location')!);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: res.body.id, type: 'email', payload: 'hello world' });
  });

  it('takes every option: queue, priority, delay, attempts, timeout', async () => {
    const queue = randomQueueName();
    const res = await call(api, 'POST', '/tasks', {
      body: {
        type: 'report.build',
        payload: { n: [1, 2] },
        queue,
        priority: 9,
        delayMs: 60_000,
        maxAttempts: 3,
        timeoutMs: 5000,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      queue,
      status: 'scheduled',
      priority: 9,
      maxAttempts: 3,
      timeoutMs: 5000,
    });
    expect(Date.parse(res.body.runAt as string) - Date.parse(res.body.createdAt as string)).toBe(60_000);
  });

  it('schedules a task at runAt, an ISO 8601 time or epoch ms', async () => {
    const queue = randomQueueName();
    const at = new Date(Date.now() + 3600_000);
    for (const runAt of [at.toISOString(), at.getTime()]) {
      const res = await call(api, 'POST', '/tasks', { body: { type: 'email', queue, runAt } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'scheduled', runAt: at.toISOString() });
    }
  });

  it('replays an Idempotency-Key with the same body as 200 and the same task; another body is 409', async () => {
    const queue = randomQueueName();
    const body = { type: 'email', payload: 'hi', queue };
    const headers = { 'Idempotency-Key': `key-${queue}` };
    const first = await call(api, 'POST', '/tasks', { body, headers });
    const replay = await call(api, 'POST', '/tasks', { body, headers });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(`/tasks/${first.body.id}`);
    expect(replay.body.id).toBe(first.body.id);
    const other = await call(api, 'POST', '/tasks', { body: { ...body, payload: 'bye' }, headers });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({
      type: 'urn:tq:problem:conflict',
      title: 'Conflict',
      status: 409,
      instance: '/tasks',
    });
    expect(other.body.detail).toContain(first.body.id);
  });

  it('takes the idempotency key from the body field too, and refuses a header that differs from it', async () => {
    const queue = randomQueueName();
    const body = { type: 'email', queue, idempotencyKey: 'k1' };
    expect((await call(api, 'POST', '/tasks', { body })).status).toBe(201);
    expect((await call(api, 'POST', '/tasks', { body, headers: { 'Idempotency-Key': 'k1' } })).status).toBe(
      200,
    );
    const differs = await call(api, 'POST', '/tasks', { body, headers: { 'Idempotency-Key': 'k2' } });
    expect(differs.status).toBe(400);
    expect(differs.body.errors).toEqual([
      { field: 'idempotencyKey', message: expect.stringContaining('differ') },
    ]);
  });
});

describe('GET /tasks/:id', () => {
  it('is 404 for an unknown or malformed id', async () => {
    const queue = randomQueueName();
    for (const id of [`${queue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`, 'nonsense']) {
      const res = await call(api, 'GET', `/tasks/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({
        type: 'urn:tq:problem:not-found',
        status: 404,
        instance: `/tasks/${id}`,
      });
    }
  });
});

describe('DELETE /tasks/:id', () => {
  it('cancels a pending task (200, status canceled), then 409 as it is finished', async () => {
    const queue = randomQueueName();
    const { body: task } = await call(api, 'POST', '/tasks', { body: { type: 'email', queue } });
    const res = await call(api, 'DELETE', `/tasks/${task.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: task.id, status: 'canceled' });
    const again = await call(api, 'DELETE', `/tasks/${task.id}`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already canceled/);
  });

  it('is 409 for a running task, and 404 for an unknown one', async () => {
    const queue = randomQueueName();
    const { body: task } = await call(api, 'POST', '/tasks', { body: { type: 'email', queue } });
    const claimed = await (await testQueue(api.redis, queue)).claim(1, 30_000);
    expect(claimed.tasks.map((t) => t.id)).toEqual([task.id]);
    const res = await call(api, 'DELETE', `/tasks/${task.id}`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: 'urn:tq:problem:conflict',
      detail: expect.stringMatching(/is running/),
    });
    expect((await call(api, 'DELETE', `/tasks/${queue}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`)).status).toBe(404);
  });
});

describe('backpressure', () => {
  it('answers 429 with Retry-After once a queue holds QUEUE_MAX_DEPTH waiting tasks', async () => {
    const limited = await startTestApi({ QUEUE_MAX_DEPTH: '2' });
    try {
      const queue = randomQueueName();
      // One partition: QUEUE_MAX_DEPTH holds per partition share on a partitioned queue (ADR 0040).
      expect((await call(limited, 'PUT', `/queues/${queue}`, { body: { partitions: 1 } })).status).toBe(201);
      for (let i = 0; i < 2; i++)
        expect((await call(limited, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
      const res = await call(limited, 'POST', '/tasks', { body: { type: 'email', queue } });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({
        type: 'urn:tq:problem:queue-full',
        detail: expect.stringContaining('depth limit of 2'),
      });
      // Another queue is not held back by this one.
      expect(
        (await call(limited, 'POST', '/tasks', { body: { type: 'email', queue: randomQueueName() } })).status,
      ).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /tasks without a task history (no DATABASE_URL)', () => {
  it('answers 404 saying the history is not configured; GET /tasks/:id reads Redis as before', async () => {
    const res = await call(api, 'GET', '/tasks?queue=default');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.body.detail).toMatch(/task history is not configured: this API has no DATABASE_URL/);
    const bad = await call(api, 'GET', '/tasks?status=pending');
    expect(bad.status).toBe(400);
    const task = await call(api, 'POST', '/tasks', { body: { type: 'email' } });
    const got = await call(api, 'GET', `/tasks/${task.body.id}`);
    expect([got.status, got.body.source]).toEqual([200, 'redis']);
  });
});
