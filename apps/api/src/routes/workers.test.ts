import { WorkerRegistry, type WorkerInfo } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

let api: TestApi;
let registry: WorkerRegistry;
beforeAll(async () => {
  api = await startTestApi();
  registry = new WorkerRegistry(api.redis);
});
afterAll(() => api.close());

function worker(id: string, queues: string[], extra: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id,
    host: 'node-a',
    pid: 7,
    queues,
    concurrency: 10,
    busySlots: 1,
    startedAt: Date.UTC(2026, 10, 30),
    version: '0.1.0',
    runningTaskIds: [`${queues[0]}.01M8F60QFA7RTV0981ZJDXXR76`],
    ...extra,
  };
}

describe('GET /workers', () => {
  it('lists live workers from their heartbeats, filtered by queue, and drops one that left', async () => {
    const mail = randomQueueName();
    const other = randomQueueName();
    const [a, b] = [`a-${mail}`, `b-${mail}`];
    await registry.beat(worker(a, [mail, other]), 60_000);
    await registry.beat(worker(b, [other]), 60_000);

    const res = await call(api, 'GET', `/workers?queue=${mail}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBeGreaterThanOrEqual(2);
    expect(res.body.workers).toEqual([
      {
        id: a,
        host: 'node-a',
        pid: 7,
        queues: [mail, other],
        concurrency: 10,
        busySlots: 1,
        version: '0.1.0',
        startedAt: '2026-11-30T00:00:00.000Z',
        lastBeatAt: expect.any(String),
        expiresAt: expect.any(String),
        runningTaskIds: [`${mail}.01M8F60QFA7RTV0981ZJDXXR76`],
      },
    ]);
    const { lastBeatAt, expiresAt } = res.body.workers[0] as { lastBeatAt: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.parse(lastBeatAt)).toBe(60_000);

    const both = await call(api, 'GET', `/workers?queue=${other}`);
    expect((both.body.workers as { id: string }[]).map((w) => w.id)).toEqual([a, b]);
    await registry.leave(a);
    const after = await call(api, 'GET', `/workers?queue=${other}`);
    expect((after.body.workers as { id: string }[]).map((w) => w.id)).toEqual([b]);
    expect((await call(api, 'GET', `/workers?queue=${other}&limit=1`)).body.workers).toHaveLength(1);
  });

  it('is 400 for a bad queue name, limit or an unknown parameter', async () => {
    for (const [query, field] of [
      ['queue=a.b', 'queue'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['host=x', ''],
    ]) {
      const res = await call(api, 'GET', `/workers?${query}`);
      expect([query, res.status, res.body.errors?.[0]?.field]).toEqual([query, 400, field]);
    }
  });
});
