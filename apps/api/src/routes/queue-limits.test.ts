import { parseTaskId } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

const ADMIN = 'admin-token';
const PRODUCER = 'producer-token';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: ADMIN, API_PRODUCER_TOKENS: PRODUCER });
});
afterAll(() => api.close());

async function newQueue(): Promise<string> {
  const queue = randomQueueName();
  expect((await call(api, 'POST', '/tasks', { body: { type: 'a', queue }, token: PRODUCER })).status).toBe(
    201,
  );
  return queue;
}

describe('PUT and GET /queues/:name/limits', () => {
  it('sets, reads and replaces the limits; a limit left out is removed', async () => {
    const queue = await newQueue();
    const none = await call(api, 'GET', `/queues/${queue}/limits`, { token: PRODUCER });
    expect(none).toMatchObject({
      status: 200,
      body: { queue, rate: null, concurrency: null, groupConcurrency: null },
    });
    const set = await call(api, 'PUT', `/queues/${queue}/limits`, {
      body: { rate: { max: 20, periodMs: 1000 }, concurrency: 5, groupConcurrency: 2 },
      token: ADMIN,
    });
    expect(set).toMatchObject({
      status: 200,
      body: { queue, rate: { max: 20, periodMs: 1000 }, concurrency: 5, groupConcurrency: 2 },
    });
    // The claim script sees them: a claim of 10 leases at most 5 (1 task here, so one).
    expect(await (await testQueue(api.redis, queue)).limits()).toEqual({
      rate: { max: 20, periodMs: 1000 },
      concurrency: 5,
      groupConcurrency: 2,
    });
    const replaced = await call(api, 'PUT', `/queues/${queue}/limits`, {
      body: { concurrency: 3 },
      token: ADMIN,
    });
    expect(replaced.body).toEqual({ queue, rate: null, concurrency: 3, groupConcurrency: null });
    const cleared = await call(api, 'PUT', `/queues/${queue}/limits`, { body: {}, token: ADMIN });
    expect(cleared.body).toEqual({ queue, rate: null, concurrency: null, groupConcurrency: null });
  });

  it('refuses bad limits with 400 naming the field, a producer token with 403, an unknown queue with 404', async () => {
    const queue = await newQueue();
    const cases: [object, string, string][] = [
      [{ rate: { max: 0, periodMs: 1000 } }, 'rate.max', 'rate.max must be at least 1'],
      [{ rate: { max: 10_001, periodMs: 1000 } }, 'rate.max', 'rate.max must be at most 10000'],
      [{ rate: { max: 5 } }, 'rate.periodMs', 'rate.periodMs is required: a whole number from 1 to 86400000'],
      [{ rate: { periodMs: 1000 } }, 'rate.max', 'rate.max is required: a whole number from 1 to 10000'],
      [{ rate: { max: '5', periodMs: 1000 } }, 'rate.max', 'rate.max must be a number'],
      [{ rate: { max: 5, periodMs: 86_400_001 } }, 'rate.periodMs', 'rate.periodMs must be at most 86400000'],
      [{ concurrency: 1.5 }, 'concurrency', 'concurrency must be a whole number'],
      [{ groupConcurrency: -1 }, 'groupConcurrency', 'groupConcurrency must be at least 1'],
      [{ burst: 3 }, '', 'unknown field burst'],
    ];
    for (const [body, field, message] of cases) {
      const res = await call(api, 'PUT', `/queues/${queue}/limits`, { body, token: ADMIN });
      expect([field, res.status]).toEqual([field, 400]);
      expect(res.body.errors).toContainEqual({ field, message });
      expect(res.body.detail).toMatch(/^the body is invalid: /);
    }
    expect(
      (await call(api, 'PUT', `/queues/${queue}/limits`, { body: { concurrency: 1 }, token: PRODUCER }))
        .status,
    ).toBe(403);
    const unknown = randomQueueName();
    const missing = await call(api, 'PUT', `/queues/${unknown}/limits`, {
      body: { concurrency: 1 },
      token: ADMIN,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('does not exist');
    expect(missing.body.detail).toContain(`tq queue create ${unknown} --partitions 1`);
    expect((await call(api, 'GET', `/queues/${unknown}/limits`, { token: ADMIN })).status).toBe(404);
  });
});

describe('GET /queues/:name/groups', () => {
  it('lists the top groups by backlog of tasks submitted with a group, bounded by limit', async () => {
    const queue = randomQueueName();
    const submit = (group: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          call(api, 'POST', '/tasks', { body: { type: 'a', queue, group }, token: PRODUCER }),
        ),
      );
    const [first] = await submit('big', 5);
    expect(first!.status).toBe(201);
    expect(first!.body.group).toBe('big');
    expect((await call(api, 'GET', `/tasks/${first!.body.id}`, { token: PRODUCER })).body.group).toBe('big');
    await submit('mid', 3);
    await submit('small', 1);
    // The rotation's first group: one task running (claimed from its partition: groups hash to partitions,
    // and which partition a claim tries first is up to the claimer, ADR 0040).
    const partition = parseTaskId(first!.body.id as string)?.partition ?? 0;
    await (await testQueue(api.redis, queue)).partitions[partition]!.claim(1, 30_000);
    const res = await call(api, 'GET', `/queues/${queue}/groups?limit=2`, { token: PRODUCER });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ queue, total: 3, running: 1 });
    expect(res.body.groups).toEqual([
      { group: 'big', pending: 4, running: 1 },
      { group: 'mid', pending: 3, running: 0 },
    ]);
    const bad = await call(api, 'GET', `/queues/${queue}/groups?limit=5000`, { token: PRODUCER });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'limit', message: 'limit must be a whole number from 1 to 1000' },
    ]);
    expect((await call(api, 'GET', `/queues/${randomQueueName()}/groups`, { token: PRODUCER })).status).toBe(
      404,
    );
    const badGroup = await call(api, 'POST', '/tasks', {
      body: { type: 'a', queue, group: 'two words' },
      token: PRODUCER,
    });
    expect(badGroup.status).toBe(400);
    expect(badGroup.body.errors).toEqual([
      { field: 'group', message: expect.stringContaining('without spaces') },
    ]);
  });
});
