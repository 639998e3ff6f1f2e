import { ManualClock, newTaskId } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

async function submit(queue: string, extra: object = {}): Promise<string> {
  const res = await call(api, 'POST', '/tasks', { body: { type: 'email', queue, ...extra } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('queues', () => {
  it('GET /queues/:name counts tasks per state and says the oldest pending age', async () => {
    const queue = randomQueueName();
    const head = await submit(queue); // claimed below: the head of its partition's list
    // The task left pending is enqueued on a clock 60 s behind, so its age (read on Redis TIME) is known.
    const enqueuedAt = Date.now() - 60_000;
    await (
      await testQueue(api.redis, queue, new ManualClock(enqueuedAt))
    ).enqueue([{ id: newTaskId(queue), type: 'email', payload: 'null', maxAttempts: 1 }]);
    await submit(queue, { delayMs: 60_000 });
    // From the partition that holds it (ADR 0040: FIFO holds within a partition, not across them).
    await (await testQueue(api.redis, queue)).partitionOf(head).claim(1, 30_000);
    const res = await call(api, 'GET', `/queues/${queue}`);
    const readAt = Date.now();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: queue,
      paused: false,
      counts: { pending: 1, scheduled: 1, running: 1, retry: 0, dead: 0, done: 0, canceled: 0 },
      waiting: 2,
      expiredLeases: 0,
    });
    expect(res.body.oldestPendingAgeMs).toBeGreaterThanOrEqual(60_000);
    expect(res.body.oldestPendingAgeMs).toBeLessThanOrEqual(readAt - enqueuedAt);
  });

  it('GET /queues lists every queue that has received a task', async () => {
    const queue = randomQueueName();
    await submit(queue);
    const res = await call(api, 'GET', '/queues');
    expect(res.status).toBe(200);
    expect(res.body.queues).toContainEqual(
      expect.objectContaining({ name: queue, counts: expect.objectContaining({ pending: 1 }) }),
    );
  });

  it('pauses and resumes a queue', async () => {
    const queue = randomQueueName();
    await submit(queue);
    const paused = await call(api, 'POST', `/queues/${queue}/pause`);
    expect(paused).toMatchObject({ status: 200, body: { name: queue, paused: true } });
    expect((await (await testQueue(api.redis, queue)).claim(1, 30_000)).tasks).toHaveLength(0);
    expect((await call(api, 'GET', `/queues/${queue}`)).body.paused).toBe(true);
    const resumed = await call(api, 'POST', `/queues/${queue}/resume`);
    expect(resumed).toMatchObject({ status: 200, body: { name: queue, paused: false } });
    expect((await (await testQueue(api.redis, queue)).claim(1, 30_000)).tasks).toHaveLength(1);
  });

  it('is 404 for a queue that never received a task, and 400 for an invalid name', async () => {
    const queue = randomQueueName();
    for (const [method, path] of [
      ['GET', `/queues/${queue}`],
      ['POST', `/queues/${queue}/pause`],
      ['POST', `/queues/${queue}/resume`],
      ['GET', `/queues/${queue}/dead`],
      ['POST', `/queues/${queue}/dead/requeue`],
      ['DELETE', `/queues/${queue}/dead`],
    ] as const) {
      const res = await call(api, method, path);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.detail).toContain('does not exist');
    }
    const bad = await call(api, 'GET', '/queues/no%20spaces');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'name', message: expect.stringContaining('1-64 letters') }]);
  });
});
