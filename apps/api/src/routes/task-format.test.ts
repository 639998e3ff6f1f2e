import { newTaskId, parseTaskId } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { call, startTestApi, testQueue, type TestApi } from '../test-support/test-api';

// ADR 0045: the API shows the full field names whichever format a task is stored in, and TASK_FORMAT=1
// (a rolling upgrade) makes it write what releases before 0045 read.

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/** The stored hash of a task (read by the test, not by the API), in the partition its id names. */
async function stored(queue: string, id: string): Promise<Record<string, string>> {
  const { localId, partition = 0 } = parseTaskId(id)!;
  const keys = (await testQueue(api.redis, queue)).partitions[partition]!.keys;
  return api.redis.hgetall(keys.taskPrefix + localId);
}

describe('stored task formats through the API', () => {
  it('shows a format 1 record, stored as the release before ADR 0045 did, with its fields', async () => {
    const queue = randomQueueName();
    // A task through the API first registers the queue, as the old release's first enqueue did.
    expect((await call(api, 'POST', '/tasks', { body: { type: 'new', queue } })).status).toBe(201);
    const keys = (await testQueue(api.redis, queue)).partitions[0]!.keys;
    const createdAt = Date.parse('2026-11-30T12:00:00Z');
    const id = newTaskId(queue, createdAt, 0, 1);
    const localId = parseTaskId(id)!.localId;
    await api.redis.hset(keys.taskPrefix + localId, {
      type: 'legacy',
      payload: '{"old":true}',
      maxAttempts: '3',
      createdAt: String(createdAt),
      status: 'pending',
    });
    await api.redis.lpush(`${keys.pendingPrefix}0`, localId);

    const got = await call(api, 'GET', `/tasks/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id,
      queue,
      type: 'legacy',
      payload: { old: true },
      status: 'pending',
      attempt: 0,
      maxAttempts: 3,
      createdAt: '2026-11-30T12:00:00.000Z',
    });
    const page = await call(api, 'GET', `/queues/${queue}/tasks?state=pending&type=legacy`);
    expect(page.body.tasks).toEqual([expect.objectContaining({ id, type: 'legacy', maxAttempts: 3 })]);
  });

  it('writes format 2 by default and shows it with the full names', async () => {
    const queue = randomQueueName();
    const res = await call(api, 'POST', '/tasks', { body: { type: 'email', payload: 'hi', queue } });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    expect(parseTaskId(id)!.localId).toHaveLength(20);
    expect(Object.keys(await stored(queue, id)).sort()).toEqual(['c', 'p', 't']);
    const got = await call(api, 'GET', `/tasks/${id}`);
    expect(got.body).toMatchObject({ type: 'email', payload: 'hi', status: 'pending', maxAttempts: 5 });
    expect(got.body.createdAt).toBe(res.body.createdAt);
  });

  it('writes format 1 with TASK_FORMAT=1', async () => {
    const pinned = await startTestApi({ TASK_FORMAT: '1' });
    try {
      const queue = randomQueueName();
      const res = await call(pinned, 'POST', '/tasks', { body: { type: 'email', payload: 'hi', queue } });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect(parseTaskId(id)!.localId).toHaveLength(26);
      expect(await stored(queue, id)).toMatchObject({
        type: 'email',
        payload: '"hi"',
        maxAttempts: '5',
        status: 'pending',
      });
    } finally {
      await pinned.close();
    }
  });
});
