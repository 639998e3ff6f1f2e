import { randomQueueName } from '@tq/testing';
import { call, startTestApi, type TestApi, testQueue } from '../test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: 'ops:admin-token' });
});
afterAll(() => api.close());

const token = 'admin-token';

/** Submits tasks (each a submission body without queue) to a fresh queue; returns the queue and the ids. */
async function submit(...tasks: Record<string, unknown>[]): Promise<{ queue: string; ids: string[] }> {
  const queue = randomQueueName();
  const res = await call(api, 'POST', '/tasks/batch', {
    token,
    body: { tasks: tasks.map((t) => ({ type: 'job', queue, ...t })) },
  });
  expect(res.status).toBe(200);
  return { queue, ids: (res.body.results as { task: { id: string } }[]).map((r) => r.task.id) };
}

/** Claims one task of `queue` and fails it for good; returns its id. */
async function killOne(queue: string): Promise<string> {
  const q = await testQueue(api.redis, queue);
  const [task] = (await q.claim(1, 30_000)).tasks;
  await q.fail([{ ...task!, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' }]);
  return task!.id;
}

const auditOf = (id: string) =>
  api.logs.filter((l) => l.component === 'audit' && JSON.stringify(l.params ?? {}).includes(id));

describe('task actions', () => {
  it('POST /tasks/:id/run runs a scheduled task now; any other state is a 409 that says it and what to do', async () => {
    const { ids } = await submit({ delayMs: 3_600_000 }, {});
    const [scheduled, pending] = ids;
    const run = await call(api, 'POST', `/tasks/${scheduled}/run`, { token });
    expect(run).toMatchObject({ status: 200, body: { id: scheduled, status: 'pending' } });
    const refused = await call(api, 'POST', `/tasks/${pending}/run`, { token });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: 'urn:tq:problem:conflict',
      detail: `task ${pending} is pending: only scheduled and retry tasks wait for a time and can be run now`,
    });
    expect(auditOf(scheduled!)).toEqual([
      expect.objectContaining({
        msg: 'admin action',
        token: 'ops',
        method: 'POST',
        route: '/tasks/:id/run',
        action: 'run',
        status: 200,
      }),
    ]);
  });

  it('POST /tasks/:id/retry retries a dead task with fresh attempts; a pending one is a 409', async () => {
    const { queue, ids } = await submit({});
    const dead = await killOne(queue);
    expect(dead).toBe(ids[0]);
    const retried = await call(api, 'POST', `/tasks/${dead}/retry`, { token });
    expect(retried).toMatchObject({
      status: 200,
      body: { status: 'pending', attempt: 0, lastError: 'boom' },
    });
    const again = await call(api, 'POST', `/tasks/${dead}/retry`, { token });
    expect(again).toMatchObject({
      status: 409,
      body: { detail: `task ${dead} is pending: only dead tasks can be retried` },
    });
  });

  it('POST /tasks/:id/cancel cancels a pending task (200) and asks a running one to stop (202)', async () => {
    const { queue, ids } = await submit({}, {});
    const q = await testQueue(api.redis, queue);
    const [running] = (await q.claim(1, 30_000)).tasks;
    const pending = ids.find((id) => id !== running!.id)!;

    expect(await call(api, 'POST', `/tasks/${pending}/cancel`, { token })).toMatchObject({
      status: 200,
      body: { status: 'canceled', cancelRequestedAt: null },
    });
    const requested = await call(api, 'POST', `/tasks/${running!.id}/cancel`, { token });
    expect(requested).toMatchObject({ status: 202, body: { status: 'running' } });
    expect(Date.parse(requested.body.cancelRequestedAt as string)).toBeGreaterThan(0);
    // The old route keeps its meaning: no cancel of a running task.
    expect((await call(api, 'DELETE', `/tasks/${running!.id}`, { token })).status).toBe(409);
    // The worker's side (apps/worker): told at its extension, it ends the task canceled with its token.
    expect(await q.extend([running!], 30_000)).toEqual(['cancel_requested']);
    expect(await q.finishCanceled([running!])).toEqual(['ok']);
    const finished = await call(api, 'GET', `/tasks/${running!.id}`, { token });
    expect(finished.body).toMatchObject({ status: 'canceled', cancelRequestedAt: null, deadReason: null });
    const late = await call(api, 'POST', `/tasks/${running!.id}/cancel`, { token });
    expect(late).toMatchObject({
      status: 409,
      body: {
        detail: `task ${running!.id} is canceled already: finished tasks cannot be canceled; delete it with DELETE /tasks/{id}/record`,
      },
    });
  });

  it('DELETE /tasks/:id/record deletes a finished task; an unfinished one is a 409, a deleted one a 404', async () => {
    const { ids } = await submit({}, {});
    await call(api, 'DELETE', `/tasks/${ids[0]}`, { token });
    expect(await call(api, 'DELETE', `/tasks/${ids[0]}/record`, { token })).toMatchObject({
      status: 200,
      body: { id: ids[0], redis: true, archive: false },
    });
    expect((await call(api, 'GET', `/tasks/${ids[0]}`, { token })).status).toBe(404);
    expect((await call(api, 'DELETE', `/tasks/${ids[0]}/record`, { token })).status).toBe(404);
    expect(await call(api, 'DELETE', `/tasks/${ids[1]}/record`, { token })).toMatchObject({
      status: 409,
      body: { detail: expect.stringMatching(/is pending: only finished tasks .* cancel it first/) },
    });
  });

  it('POST /queues/:name/tasks/actions acts on ids, listing the refused ones with their state', async () => {
    const { queue, ids } = await submit({ delayMs: 60_000 }, { delayMs: 60_000 }, {});
    const res = await call(api, 'POST', `/queues/${queue}/tasks/actions`, {
      token,
      body: { action: 'run', ids },
    });
    expect(res).toMatchObject({
      status: 200,
      body: {
        queue,
        action: 'run',
        state: null,
        applied: [ids[0], ids[1]],
        cancelRequested: [],
        refused: [
          {
            id: ids[2],
            status: 'pending',
            reason: `task ${ids[2]} is pending: only scheduled and retry tasks wait for a time and can be run now`,
          },
        ],
        nextCursor: null,
      },
    });
    const audit = api.logs.filter((l) => l.route === '/queues/:name/tasks/actions' && l.params);
    expect(audit.at(-1)).toMatchObject({ token: 'ops', action: 'run', applied: 2, refused: 1, status: 200 });
  });

  it('acts on a state a page at a time: nextCursor continues until every task was acted on once', async () => {
    const { queue, ids } = await submit(...Array.from({ length: 5 }, () => ({})));
    for (let i = 0; i < 5; i++) await killOne(queue);
    const retried: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const res = await call(api, 'POST', `/queues/${queue}/tasks/actions`, {
        token,
        body: { action: 'retry', state: 'dead', limit: 2, ...(cursor ? { cursor } : {}) },
      });
      expect(res.status).toBe(200);
      expect((res.body.applied as string[]).length).toBeLessThanOrEqual(2);
      retried.push(...(res.body.applied as string[]));
      cursor = (res.body.nextCursor as string | null) ?? undefined;
      calls++;
    } while (cursor && calls < 10);
    expect(retried.sort()).toEqual([...ids].sort());
    expect((await call(api, 'GET', `/queues/${queue}`, { token })).body.counts).toMatchObject({
      pending: 5,
      dead: 0,
    });

    const canceled = await call(api, 'POST', `/queues/${queue}/tasks/actions`, {
      token,
      body: { action: 'cancel', state: 'pending', limit: 1000 },
    });
    expect((canceled.body.applied as string[]).sort()).toEqual([...ids].sort());
    const deleted = await call(api, 'POST', `/queues/${queue}/tasks/actions`, {
      token,
      body: { action: 'delete', state: 'canceled' },
    });
    expect((deleted.body.applied as string[]).sort()).toEqual([...ids].sort());
    expect((await call(api, 'GET', `/queues/${queue}`, { token })).body.counts).toMatchObject({
      canceled: 0,
    });
  });

  it('is 400 with per-field errors for a bad action body, and 404 for an unknown queue', async () => {
    const { queue, ids } = await submit({});
    const other = randomQueueName();
    const cases: [unknown, string][] = [
      [{ action: 'explode', ids }, 'action'],
      [{ action: 'run' }, ''],
      [{ action: 'run', ids, state: 'retry' }, ''],
      [{ action: 'run', state: 'pending' }, 'state'],
      [{ action: 'delete', ids, limit: 5 }, 'limit'],
      [{ action: 'run', state: 'retry', limit: 1001 }, 'limit'],
      [{ action: 'run', ids: [`${other}.01JD3Z5Q6M8W2K4N7P9R1T3V5X`] }, 'ids.0'],
      [{ action: 'run', ids, extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await call(api, 'POST', `/queues/${queue}/tasks/actions`, { token, body });
      expect([body, res.status]).toEqual([body, 400]);
      expect([body, (res.body.errors as { field: string }[]).map((e) => e.field)]).toEqual([
        body,
        expect.arrayContaining([field]),
      ]);
    }
    const unknown = await call(api, 'POST', `/queues/${other}/tasks/actions`, {
      token,
      body: { action: 'run', state: 'retry' },
    });
    expect(unknown.status).toBe(404);
  });
});
