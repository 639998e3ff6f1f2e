import { parseTaskId } from '@tq/core';
import { randomQueueName, testPartitions } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/** Submits `n` tasks to a fresh queue and kills them all; returns the queue and the ids, oldest first. */
async function deadTasks(n: number): Promise<{ queue: string; ids: string[] }> {
  const queue = randomQueueName();
  const res = await call(api, 'POST', '/tasks/batch', {
    body: { tasks: Array.from({ length: n }, (_, i) => ({ type: 'job', queue, payload: i })) },
  });
  expect(res.status).toBe(200);
  const ids: string[] = [];
  const q = await testQueue(api.redis, queue);
  // One at a time, so the dead set's order (by time of death) is the submission order.
  for (let i = 0; i < n; i++) {
    const [task] = (await q.claim(1, 30_000)).tasks;
    await q.fail([
      { id: task!.id, token: task!.token, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' },
    ]);
    ids.push(task!.id);
  }
  return { queue, ids };
}

describe('dead letters', () => {
  it('GET /queues/:name/dead pages through dead tasks with cursors, newest first', async () => {
    const { queue, ids } = await deadTasks(5);
    const first = await call(api, 'GET', `/queues/${queue}/dead?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ queue, state: 'dead', total: 5, type: null });
    // `scanned` sums what the partitions examined (ADR 0042): each partition is asked for a page of 2.
    expect(first.body.scanned).toBeGreaterThanOrEqual(2);
    expect(first.body.scanned).toBeLessThanOrEqual(2 * testPartitions());
    expect(first.body.tasks).toHaveLength(2);
    expect(first.body.tasks[0]).toMatchObject({ status: 'dead', deadReason: 'permanent', lastError: 'boom' });
    const listed = [...(first.body.tasks as { id: string }[])];
    let cursor = first.body.nextCursor as string | null;
    while (cursor) {
      const page = await call(api, 'GET', `/queues/${queue}/dead?limit=2&cursor=${cursor}`);
      expect(page.status).toBe(200);
      listed.push(...(page.body.tasks as { id: string }[]));
      cursor = page.body.nextCursor;
    }
    // Newest first; tasks that died in the same millisecond by id, descending (as Redis orders them), in
    // each partition (across partitions the merge orders by time of death, ADR 0042).
    const partitions = (await testQueue(api.redis, queue)).partitions;
    const inPartition = (i: number) => (id: string) => (parseTaskId(id)?.partition ?? 0) === i;
    const listedIds = listed.map((t) => t.id);
    for (const [i, partition] of partitions.entries()) {
      const newestFirst = await api.redis.zrevrange(partition.keys.dead, 0, -1);
      const prefix = i === 0 ? `${queue}.` : `${queue}.${i}.`;
      expect(listedIds.filter(inPartition(i))).toEqual(newestFirst.map((localId) => prefix + localId));
    }
    expect(new Set(listedIds)).toEqual(new Set(ids));
    expect(listedIds).toHaveLength(ids.length);
    const same = await call(api, 'GET', `/queues/${queue}/tasks?state=dead&limit=2`);
    expect(same.body).toEqual(first.body);
  });

  it('is 400 for a page out of range, and for offset (pages are cursor-based)', async () => {
    const { queue } = await deadTasks(1);
    for (const query of ['limit=1001', 'limit=0', 'limit=ten', 'limit=1.5']) {
      const res = await call(api, 'GET', `/queues/${queue}/dead?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.errors[0]).toEqual({
        field: 'limit',
        message: 'limit must be a whole number from 1 to 1000',
      });
    }
    const offset = await call(api, 'GET', `/queues/${queue}/dead?offset=50`);
    expect(offset.status).toBe(400);
    expect(offset.body.detail).toMatch(
      /unknown parameter offset: pages are cursor-based; pass the nextCursor/,
    );
  });

  it('POST /queues/:name/dead/requeue redrives the given ids, then all the rest', async () => {
    const { queue, ids } = await deadTasks(3);
    const some = await call(api, 'POST', `/queues/${queue}/dead/requeue`, { body: { ids: [ids[0]] } });
    expect(some).toMatchObject({ status: 200, body: { requeued: [ids[0]], notDead: [] } });
    expect((await call(api, 'GET', `/tasks/${ids[0]}`)).body).toMatchObject({
      status: 'pending',
      attempt: 0,
    });
    const again = await call(api, 'POST', `/queues/${queue}/dead/requeue`, { body: { ids: [ids[0]] } });
    expect(again.body).toEqual({ requeued: [], notDead: [ids[0]] });
    const rest = await call(api, 'POST', `/queues/${queue}/dead/requeue`);
    expect(rest.status).toBe(200);
    expect(new Set(rest.body.requeued as string[])).toEqual(new Set(ids.slice(1)));
    expect((await call(api, 'GET', `/queues/${queue}`)).body.counts).toMatchObject({ dead: 0, pending: 3 });
  });

  it('DELETE /queues/:name/dead purges ids from the body or the query, or all', async () => {
    const { queue, ids } = await deadTasks(5);
    expect((await call(api, 'DELETE', `/queues/${queue}/dead`, { body: { ids: [ids[0]] } })).body).toEqual({
      purged: 1,
    });
    expect((await call(api, 'GET', `/tasks/${ids[0]}`)).status).toBe(404);
    // Comma-separated and repeated.
    expect(
      (await call(api, 'DELETE', `/queues/${queue}/dead?ids=${ids[1]},${ids[2]}&ids=${ids[3]}`)).body,
    ).toEqual({
      purged: 3,
    });
    expect((await call(api, 'DELETE', `/queues/${queue}/dead`)).body).toEqual({ purged: 1 });
    expect((await call(api, 'GET', `/queues/${queue}`)).body.counts.dead).toBe(0);
  });

  it('refuses ids that are not task ids of the queue, and ids in both body and query', async () => {
    const { queue, ids } = await deadTasks(1);
    const foreign = await call(api, 'POST', `/queues/${queue}/dead/requeue`, {
      body: { ids: [ids[0], 'other.01JD3Z5Q6M8W2K4N7P9R1T3V5X', 5] },
    });
    expect(foreign.status).toBe(400);
    expect((foreign.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['ids.1', 'ids.2']);
    const both = await call(api, 'DELETE', `/queues/${queue}/dead?ids=${ids[0]}`, { body: { ids } });
    expect(both.status).toBe(400);
    const empty = await call(api, 'DELETE', `/queues/${queue}/dead`, { body: { ids: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].message).toMatch(/omit it for all/);
    expect((await call(api, 'GET', `/queues/${queue}`)).body.counts.dead).toBe(1);
  });
});
