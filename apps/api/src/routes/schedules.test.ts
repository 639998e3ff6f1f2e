import { ScheduleStore } from '@tq/core';
import { randomQueueName, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { call, startTestApi, type TestApi } from '../test-support/test-api';

const ADMIN = 'admin-token';
const PRODUCER = 'producer-token';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ API_TOKENS: ADMIN, API_PRODUCER_TOKENS: PRODUCER });
});
afterAll(() => api.close());

const create = (body: object, token = ADMIN) => call(api, 'POST', '/schedules', { body, token });
const schedule = (queue: string, extra: object = {}) => ({
  id: `s-${queue}`,
  cron: '0 3 * * *',
  timezone: 'Europe/Paris',
  task: { queue, type: 'report', payload: { kind: 'nightly' } },
  ...extra,
});

const ids = (schedules: unknown) => (schedules as { id: string }[]).map((s) => s.id);

describe('POST /schedules', () => {
  it('creates a schedule with the defaults, answers 201 with its next runs in its zone, and GET reads it back', async () => {
    const queue = randomQueueName();
    const res = await create(schedule(queue));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/schedules/s-${queue}`);
    expect(res.body).toMatchObject({
      id: `s-${queue}`,
      queue,
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      task: {
        queue,
        type: 'report',
        payload: { kind: 'nightly' },
        priority: 0,
        maxAttempts: 5,
        timeoutMs: null,
      },
      misfire: 'skip',
      misfireGraceMs: 60_000,
      overlap: 'allow',
      paused: false,
      last: null,
      counts: { fired: 0, skippedOverlap: 0, skippedMisfire: 0, missedRunOnce: 0 },
    });
    expect(res.body.nextRuns).toHaveLength(5);
    // 03:00 in Paris is 01:00 or 02:00 UTC (summer or winter time), one day apart.
    for (const run of res.body.nextRuns as string[]) expect(run).toMatch(/T0[12]:00:00\.000Z$/);
    expect(res.body.nextRunAt).toBe(res.body.nextRuns[0]);
    const got = await call(api, 'GET', `/schedules/s-${queue}?runs=12`, { token: PRODUCER });
    expect(got.status).toBe(200);
    expect(got.body.nextRuns).toHaveLength(12);
    expect((got.body.nextRuns as string[]).slice(0, 5)).toEqual(res.body.nextRuns);
  });

  it('refuses a bad cron, zone, id or policy with 400 naming each field', async () => {
    const queue = randomQueueName();
    const cases: [object, string, RegExp][] = [
      [{ cron: '61 * * * *' }, 'cron', /not a cron expression/],
      [{ cron: '0 0 30 2 *' }, 'cron', /matches no date/],
      [{ timezone: 'Mars/Olympus' }, 'timezone', /not an IANA time zone/],
      [{ id: '-bad id' }, 'id', /1-128 letters/],
      [{ misfire: 'later' }, 'misfire', /"skip".*"run-once"/],
      [{ overlap: 'never' }, 'overlap', /"allow" or "skip"/],
      [{ misfireGraceMs: 10 }, 'misfireGraceMs', /at least 1000/],
      [{ task: { queue, type: '1bad' } }, 'task.type', /start with a letter/],
      [{ task: { type: 'report' } }, 'task.queue', /queue is required/],
      [{ colour: 'blue' }, '', /unknown field colour/],
    ];
    for (const [extra, field, message] of cases) {
      const res = await create(schedule(queue, extra));
      expect([field, res.status, res.headers.get('content-type')]).toEqual([
        field,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
      expect(res.body.type).toBe('urn:tq:problem:invalid-request');
      expect(res.body.errors).toContainEqual({ field, message: expect.stringMatching(message) });
      expect(res.body.detail).toMatch(/^the schedule is invalid: /);
    }
    expect((await call(api, 'GET', `/schedules?queue=${queue}`, { token: PRODUCER })).body.total).toBe(0);
  });

  it('answers 409 for an id already taken, and 403 to a producer token', async () => {
    const queue = randomQueueName();
    expect((await create(schedule(queue))).status).toBe(201);
    const again = await create(schedule(queue, { cron: '* * * * *' }));
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already exists');
    const producer = await create(schedule(randomQueueName()), PRODUCER);
    expect(producer.status).toBe(403);
  });
});

describe('GET /schedules', () => {
  it('pages by id with a bounded limit and a cursor, filtered by queue', async () => {
    const queue = randomQueueName();
    for (const n of [3, 1, 2])
      expect((await create(schedule(queue, { id: `${queue}-${n}` }))).status).toBe(201);
    const first = await call(api, 'GET', `/schedules?queue=${queue}&limit=2`, { token: PRODUCER });
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(ids(first.body.schedules)).toEqual([`${queue}-1`, `${queue}-2`]);
    expect(first.body.schedules[0]).not.toHaveProperty('nextRuns');
    const second = await call(
      api,
      'GET',
      `/schedules?queue=${queue}&limit=2&cursor=${first.body.nextCursor}`,
      {
        token: PRODUCER,
      },
    );
    expect(ids(second.body.schedules)).toEqual([`${queue}-3`]);
    expect(second.body.nextCursor).toBeNull();
    const tooMany = await call(api, 'GET', '/schedules?limit=1001', { token: PRODUCER });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([
      { field: 'limit', message: 'limit must be a whole number from 1 to 1000' },
    ]);
  });
});

describe('PATCH and DELETE /schedules/:id', () => {
  it('pauses (no next run) and resumes (next runs again), and refuses an empty change or a new queue', async () => {
    const queue = randomQueueName();
    await create(schedule(queue));
    const path = `/schedules/s-${queue}`;
    const paused = await call(api, 'PATCH', path, { body: { paused: true }, token: ADMIN });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null, nextRuns: [] });
    const resumed = await call(api, 'PATCH', path, { body: { paused: false }, token: ADMIN });
    expect(resumed.body).toMatchObject({ paused: false, nextRunAt: expect.any(String) });
    expect(resumed.body.nextRuns).toHaveLength(5);
    const changed = await call(api, 'PATCH', path, {
      body: { cron: '*/5 * * * *', overlap: 'skip', task: { type: 'digest' } },
      token: ADMIN,
    });
    expect(changed.body).toMatchObject({
      cron: '*/5 * * * *',
      overlap: 'skip',
      task: { queue, type: 'digest' },
    });
    const empty = await call(api, 'PATCH', path, { body: {}, token: ADMIN });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toContain('the change is empty');
    const move = await call(api, 'PATCH', path, {
      body: { task: { type: 'x', queue: 'other' } },
      token: ADMIN,
    });
    expect(move.status).toBe(400);
    expect(move.body.detail).toContain('cannot move to another queue');
    const badCron = await call(api, 'PATCH', path, { body: { cron: 'every day' }, token: ADMIN });
    expect(badCron.status).toBe(400);
    expect(badCron.body.errors).toEqual([{ field: 'cron', message: expect.stringContaining('not a cron') }]);
    expect((await call(api, 'PATCH', path, { body: { paused: true }, token: PRODUCER })).status).toBe(403);
  });

  it('deletes a schedule (204, then 404), leaving the tasks it enqueued', async () => {
    const queue = randomQueueName();
    await create(schedule(queue, { cron: '* * * * * *' }));
    const path = `/schedules/s-${queue}`;
    // A reaper's firing, done here by the store: wait for a slot to come on the Redis clock.
    const store = new ScheduleStore(api.redis);
    const fired = await waitFor(async () => (await store.fireDue(queue)).created.get(`s-${queue}`)?.[0], {
      timeoutMs: 30_000,
      message: 'a slot of the schedule fired',
    });
    const shown = await call(api, 'GET', path, { token: PRODUCER });
    expect(shown.body.last).toMatchObject({
      taskId: fired,
      slot: expect.any(String),
      firedAt: expect.any(String),
    });
    expect(shown.body.counts.fired).toBeGreaterThanOrEqual(1);
    expect((await call(api, 'DELETE', path, { token: PRODUCER })).status).toBe(403);
    expect((await call(api, 'DELETE', path, { token: ADMIN })).status).toBe(204);
    const gone = await call(api, 'GET', path, { token: ADMIN });
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toBe(`schedule "s-${queue}" does not exist`);
    expect((await call(api, 'DELETE', path, { token: ADMIN })).status).toBe(404);
    const task = await call(api, 'GET', `/tasks/${fired}`, { token: ADMIN });
    expect(task.status).toBe(200);
    expect(task.body.schedule).toEqual({ id: `s-${queue}`, slot: shown.body.last.slot, missed: 0 });
  });
});

describe('the schedule limit', () => {
  let server: RedisServer;
  let small: TestApi;
  beforeAll(async () => {
    server = await startRedisServer();
    small = await startTestApi({ REDIS_URL: server.url, SCHEDULE_MAX_COUNT: '2' });
  });
  afterAll(async () => {
    await small.close();
    await server.stop();
  });

  it('refuses a schedule past SCHEDULE_MAX_COUNT with 403 schedule-limit-reached', async () => {
    const queue = randomQueueName();
    for (const id of ['a', 'b']) {
      expect((await call(small, 'POST', '/schedules', { body: schedule(queue, { id }) })).status).toBe(201);
    }
    const third = await call(small, 'POST', '/schedules', { body: schedule(queue, { id: 'c' }) });
    expect(third.status).toBe(403);
    expect(third.body).toMatchObject({
      type: 'urn:tq:problem:schedule-limit-reached',
      detail: expect.stringContaining('SCHEDULE_MAX_COUNT'),
    });
  });
});
