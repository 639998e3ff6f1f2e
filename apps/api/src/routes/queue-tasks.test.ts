import { parseTaskId } from '@tq/core';
import { randomQueueName, testPartitions } from '@tq/testing';
import { call, startTestApi, type Answer, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

async function submitAll(queue: string, tasks: object[]): Promise<string[]> {
  const res = await call(api, 'POST', '/tasks/batch', {
    body: { tasks: tasks.map((t) => ({ queue, ...t })) },
  });
  expect(res.status).toBe(200);
  return (res.body.results as { task: { id: string } }[]).map((r) => r.task.id);
}

/** Every page of `query`, following nextCursor: the ids listed and the pages' answers. */
async function walk(
  queue: string,
  query: string,
): Promise<{ ids: string[]; pages: Record<string, unknown>[] }> {
  const pages: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res: Answer = await call(
      api,
      'GET',
      `/queues/${queue}/tasks?${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(res.status).toBe(200);
    pages.push(res.body as Record<string, unknown>);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { ids: pages.flatMap((p) => (p.tasks as { id: string }[]).map((t) => t.id)), pages };
}

/**
 * Expects `listed` in the order `expected` gives, as ADR 0040/0042 promise it: exactly on one partition; on
 * a partitioned queue, in each partition (FIFO holds within a partition, and the merge orders partitions'
 * tasks of one priority by their partition's ready time), each of `bands` (ids of one priority) in turn.
 */
function expectListOrder(listed: string[], expected: string[], bands: number[] = [expected.length]): void {
  const partition = (id: string) => parseTaskId(id)?.partition ?? 0;
  for (let i = 0; i < testPartitions(); i++) {
    expect(listed.filter((id) => partition(id) === i)).toEqual(expected.filter((id) => partition(id) === i));
  }
  let start = 0;
  for (const size of bands) {
    expect(new Set(listed.slice(start, start + size))).toEqual(new Set(expected.slice(start, start + size)));
    start += size;
  }
  expect(listed).toHaveLength(expected.length);
}

describe('GET /queues/:name/tasks', () => {
  it('pages through a state with nextCursor: pending in claim order, scheduled due first', async () => {
    const queue = randomQueueName();
    const pending = await submitAll(queue, [
      { type: 'a' },
      { type: 'b', priority: 7 },
      { type: 'a' },
      { type: 'a', priority: 7 },
      { type: 'b' },
    ]);
    const scheduled = await submitAll(queue, [
      { type: 'a', delayMs: 30_000 },
      { type: 'a', delayMs: 10_000 },
      { type: 'a', delayMs: 20_000 },
    ]);

    const { ids, pages } = await walk(queue, 'state=pending&limit=2');
    expectListOrder(ids, [pending[1]!, pending[3]!, pending[0]!, pending[2]!, pending[4]!], [2, 3]);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatchObject({ queue, state: 'pending', type: null, total: 5 });
    // `scanned` sums what the partitions examined (ADR 0042): each partition is asked for a page of 2.
    expect(pages[0]!.scanned).toBeGreaterThanOrEqual(2);
    expect(pages[0]!.scanned).toBeLessThanOrEqual(2 * testPartitions());
    expect((pages[0]!.tasks as object[])[0]).toEqual({
      id: ids[0],
      queue,
      type: ids[0] === pending[1] ? 'b' : 'a',
      status: 'pending',
      priority: 7,
      attempt: 0,
      maxAttempts: 5,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      runAt: null,
      startedAt: null,
      finishedAt: null,
      lastError: null,
      deadReason: null,
      leaseExpiresAt: null,
    });
    expect((await walk(queue, 'state=scheduled&limit=1')).ids).toEqual([
      scheduled[1],
      scheduled[2],
      scheduled[0],
    ]);
    expect((await walk(queue, 'state=retry')).ids).toEqual([]);

    const running = (await (await testQueue(api.redis, queue)).claim(1, 30_000)).tasks[0]!;
    const page = await call(api, 'GET', `/queues/${queue}/tasks?state=running`);
    expect(page.body.tasks).toEqual([
      expect.objectContaining({
        id: running.id,
        status: 'running',
        attempt: 1,
        leaseExpiresAt: expect.any(String),
      }),
    ]);
  });

  it('filters by type, a page examining at most the scan budget', async () => {
    const queue = randomQueueName();
    const ids = await submitAll(queue, [{ type: 'a' }, { type: 'b' }, { type: 'a' }, { type: 'c' }]);
    const { ids: listed, pages } = await walk(queue, 'state=pending&type=a&limit=1');
    expectListOrder(listed, [ids[0]!, ids[2]!]);
    expect(pages[0]).toMatchObject({ type: 'a', total: 4 });
  });

  it('lists the pending tasks of a fair group with group=, and counts them as inGroups without it', async () => {
    const queue = randomQueueName();
    const [own, a1, b1, a2] = await submitAll(queue, [
      { type: 'a' },
      { type: 'a', group: 'tenant-a' },
      { type: 'a', group: 'tenant-b' },
      { type: 'a', group: 'tenant-a' },
    ]);
    const ungrouped = await walk(queue, 'state=pending&limit=1');
    expect(ungrouped.ids).toEqual([own]);
    expect(ungrouped.pages[0]).toMatchObject({ group: null, inGroups: 3, total: 1 });
    const tenantA = await walk(queue, 'state=pending&group=tenant-a&limit=1');
    expect(tenantA.ids).toEqual([a1, a2]);
    expect(tenantA.pages[0]).toMatchObject({ group: 'tenant-a', inGroups: 0, total: 2 });

    // An action by state reaches a group's tasks the same way.
    const cancel = await call(api, 'POST', `/queues/${queue}/tasks/actions`, {
      body: { action: 'cancel', state: 'pending', group: 'tenant-b' },
    });
    expect(cancel.body).toMatchObject({ applied: [b1], refused: [], nextCursor: null });
    expect((await walk(queue, 'state=pending')).pages[0]).toMatchObject({ inGroups: 2 });

    const done = await call(api, 'GET', `/queues/${queue}/tasks?state=done&group=tenant-a`);
    expect(done.status).toBe(400);
    expect(done.body.errors).toEqual([
      {
        field: 'group',
        message: 'group lists pending tasks only (they wait per group); drop it for state done',
      },
    ]);
  });

  it('leaves payloads out: a page stays small whatever the tasks carry', async () => {
    const queue = randomQueueName();
    const big = 'x'.repeat(500_000);
    await submitAll(queue, [
      { type: 'a', payload: big },
      { type: 'a', payload: big },
    ]);
    const res = await call(api, 'GET', `/queues/${queue}/tasks?state=pending`);
    expect(res.body.tasks).toHaveLength(2);
    expect(Number(res.headers.get('content-length'))).toBeLessThan(2000);
  });

  it('is 400 naming the parameter for a bad state, limit, cursor, type or an unknown parameter', async () => {
    const queue = randomQueueName();
    await submitAll(queue, [{ type: 'a' }, { type: 'a' }]);
    const pendingCursor = (await call(api, 'GET', `/queues/${queue}/tasks?state=pending&limit=1`)).body
      .nextCursor;
    const cases: [string, string, RegExp][] = [
      [
        '',
        'state',
        /state is required and must be one of pending, scheduled, running, retry, dead, done, canceled/,
      ],
      ['state=waiting', 'state', /must be one of/],
      ['state=pending&state=dead', 'state', /must be one of/],
      ['state=pending&limit=0', 'limit', /whole number from 1 to 1000/],
      ['state=pending&cursor=%21%21', 'cursor', /pass the nextCursor of the previous page as it is/],
      ['state=pending&cursor=', 'cursor', /omit it for the first page/],
      [`state=dead&cursor=${pendingCursor}`, 'cursor', /belongs to a page of "pending" tasks, not "dead"/],
      ['state=pending&type=1abc', 'type', /must start with a letter/],
      ['state=pending&sort=asc', '', /unknown parameter sort/],
    ];
    for (const [query, field, message] of cases) {
      const res = await call(api, 'GET', `/queues/${queue}/tasks?${query}`);
      expect([query, res.status, res.headers.get('content-type')]).toEqual([
        query,
        400,
        'application/problem+json; charset=utf-8',
      ]);
      expect([query, res.body.errors[0].field]).toEqual([query, field]);
      expect(res.body.errors[0].message).toMatch(message);
    }
  });

  it('is 404 for a queue that never received a task, 400 for an invalid queue name', async () => {
    expect((await call(api, 'GET', `/queues/${randomQueueName()}/tasks?state=pending`)).status).toBe(404);
    expect((await call(api, 'GET', '/queues/no.dots/tasks?state=pending')).status).toBe(400);
  });
});
