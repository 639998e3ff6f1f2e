import { DEFAULT_RETENTION } from '@tq/core';
import { startRedisServer, type RedisServer } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

// A private Redis: the queue count is global to a Redis, and the suite's is shared with other test files.
let server: RedisServer;
let api: TestApi;
beforeAll(async () => {
  server = await startRedisServer();
  api = await startTestApi({
    REDIS_URL: server.url,
    QUEUE_NAMES_ALLOWED: 'mail,tenant-*,reports',
    QUEUE_MAX_COUNT: '3',
    METRICS_MAX_QUEUES: '2',
  });
});
afterAll(async () => {
  await api.close();
  await server.stop();
});

const submit = (queue: string) => call(api, 'POST', '/tasks', { body: { type: 'a', queue } });

describe('the queue policy', () => {
  it('refuses a queue outside QUEUE_NAMES_ALLOWED with 403 queue-not-allowed naming the field, in a batch item by item; patterns match', async () => {
    const res = await submit('spam-1');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      type: 'urn:tq:problem:queue-not-allowed',
      errors: [{ field: 'queue' }],
      detail: expect.stringContaining('mail, tenant-*, reports'),
    });
    expect((await submit('tenant-acme')).status).toBe(201);
    const batch = await call(api, 'POST', '/tasks/batch', {
      body: {
        tasks: [
          { type: 'a', queue: 'mail' },
          { type: 'a', queue: 'spam-2' },
        ],
      },
    });
    expect(batch.status).toBe(207);
    expect((batch.body.results as { status: number }[]).map((r) => r.status)).toEqual([201, 403]);
    const listed = (await call(api, 'GET', '/queues')).body.queues as { name: string }[];
    expect(listed.map((q) => q.name)).toEqual(['mail', 'tenant-acme']);
  });

  it('refuses a new queue once QUEUE_MAX_COUNT queues exist with 403 queue-limit-reached, writing nothing; known queues still take tasks; DELETE makes room', async () => {
    expect((await submit('tenant-b')).status).toBe(201); // the third of 3
    const refused = await submit('tenant-c');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      type: 'urn:tq:problem:queue-limit-reached',
      detail: expect.stringMatching(/holds 3 queues/),
    });
    expect((await call(api, 'GET', '/queues/tenant-c')).status).toBe(404);
    expect((await submit('mail')).status).toBe(201);

    // DELETE: 409 with the counts while tasks are held, 404 for unknown queues, 204 once empty.
    const conflict = await call(api, 'DELETE', '/queues/tenant-b');
    expect(conflict.status).toBe(409);
    expect(conflict.body.detail).toMatch(/still holds tasks \(1 pending\)/);
    expect((await call(api, 'DELETE', '/queues/nope')).status).toBe(404);
    const [task] = (await call(api, 'GET', '/queues/tenant-b/tasks?state=pending')).body.tasks;
    expect((await call(api, 'DELETE', `/tasks/${task.id}`)).status).toBe(200);
    expect((await call(api, 'DELETE', '/queues/tenant-b')).body.detail).toMatch(/\(1 canceled\)/);
    // What the reaper's retention does to finished tasks, at once.
    await (await testQueue(api.redis, 'tenant-b')).trim({ ...DEFAULT_RETENTION, finishedMaxCount: 0 });
    expect((await call(api, 'DELETE', '/queues/tenant-b')).status).toBe(204);
    expect((await call(api, 'GET', '/queues/tenant-b')).status).toBe(404);
    expect((await submit('tenant-c')).status).toBe(201);
  });

  it('lists at most METRICS_MAX_QUEUES queue names in /metrics; the others count under queue="~other"', async () => {
    for (const queue of ['reports', 'tenant-x', 'tenant-y']) await submit(queue);
    const text = (await call(api, 'GET', '/metrics')).body as string;
    const queues = new Set(
      [...text.matchAll(/^tq_tasks_enqueued_total\{queue="([^"]+)"\}/gm)].map((m) => m[1]),
    );
    expect(queues.size).toBeLessThanOrEqual(3);
    expect(queues).toContain('~other');
  });
});
