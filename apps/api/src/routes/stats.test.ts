import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/** Submits `n` tasks to `queue`, then completes `ok` of them and fails the rest for good. */
async function process(queue: string, n: number, ok: number): Promise<void> {
  const res = await call(api, 'POST', '/tasks/batch', {
    body: { tasks: Array.from({ length: n }, () => ({ type: 'job', queue })) },
  });
  expect(res.status).toBe(200);
  const q = await testQueue(api.redis, queue);
  const { tasks } = await q.claim(n, 30_000);
  await q.complete(tasks.slice(0, ok));
  await q.fail(
    tasks.slice(ok).map((t) => ({ ...t, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' })),
  );
}

describe('GET /stats/history', () => {
  it('answers processed and failed per minute for one queue, and summed over all queues', async () => {
    const [a, b] = [randomQueueName(), randomQueueName()];
    await process(a, 3, 2);
    await process(b, 2, 0);

    const one = await call(api, 'GET', `/stats/history?queue=${a}&minutes=5`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ queue: a, minutes: 5, totals: { processed: 3, failed: 1 } });
    expect(one.body.points).toHaveLength(5);
    const at = (one.body.points as { at: string }[]).map((p) => Date.parse(p.at));
    expect(at.every((t, i) => i === 0 || t - at[i - 1]! === 60_000)).toBe(true);
    expect(at[0]).toBe(Date.parse(one.body.from as string));
    // The work just done is in the last minute or, if a minute began meanwhile, the one before.
    const recent = (one.body.points as { processed: number }[])
      .slice(-2)
      .reduce((n, p) => n + p.processed, 0);
    expect(recent).toBe(3);

    const all = await call(api, 'GET', '/stats/history');
    expect(all.body).toMatchObject({ queue: null, minutes: 60 });
    expect(all.body.points).toHaveLength(60);
    // Other tests of this suite process tasks too: the sum covers at least these two queues.
    expect(all.body.totals.processed).toBeGreaterThanOrEqual(5);
    expect(all.body.totals.failed).toBeGreaterThanOrEqual(3);
  });

  it('is 400 for bad minutes or queue, 404 for a queue that never received a task', async () => {
    for (const [query, field] of [
      ['minutes=0', 'minutes'],
      ['minutes=1441', 'minutes'],
      ['minutes=x', 'minutes'],
      ['queue=a.b', 'queue'],
      ['hours=1', ''],
    ]) {
      const res = await call(api, 'GET', `/stats/history?${query}`);
      expect([query, res.status, res.body.errors?.[0]?.field]).toEqual([query, 400, field]);
    }
    expect((await call(api, 'GET', `/stats/history?queue=${randomQueueName()}`)).status).toBe(404);
  });
});
