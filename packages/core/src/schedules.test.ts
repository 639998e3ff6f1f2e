import { randomQueueName } from '@tq/testing';
import { ManualClock } from './clock';
import { createRedis } from './connection';
import { queueKeys } from './keys';
import { Queue } from './queue';
import { ScheduleStore, type ScheduleDefinition } from './schedules';
import { runScript, type RedisClient } from './scripts';
import { connect, expectConsistent } from './test-support/fixtures';

let redis: RedisClient;
let other: RedisClient;
beforeAll(() => {
  redis = connect();
  other = createRedis(process.env.REDIS_URL!);
});
afterAll(async () => {
  await redis.quit();
  await other.quit();
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function fresh(startMs = Date.UTC(2026, 0, 1)) {
  const clock = new ManualClock(startMs);
  const name = randomQueueName('sched');
  return { clock, name, queue: new Queue(redis, name, clock), store: new ScheduleStore(redis, clock) };
}

let ids = 0;
function definition(queue: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    id: `s${++ids}-${queue}`,
    queue,
    cron: '*/1 * * * * *',
    timezone: 'UTC',
    task: { type: 'tick', payload: '{"n":1}', priority: 0, maxAttempts: 3 },
    misfire: 'skip',
    misfireGraceMs: MINUTE,
    overlap: 'allow',
    paused: false,
    ...overrides,
  };
}

/** Every task of the queue (all pending here), with the schedule slot each stands for, by slot. */
async function firedTasks(queue: Queue): Promise<{ id: string; slot: number; missed: number }[]> {
  const local: string[] = [];
  for (let p = 0; p < 10; p++) local.push(...(await redis.lrange(`${queue.keys.pendingPrefix}${p}`, 0, -1)));
  const tasks = await Promise.all(local.map((id) => queue.getTask(`${queue.name}.${id}`)));
  return tasks
    .map((t) => ({ id: t!.id, slot: t!.schedule!.slot, missed: t!.schedule!.missed }))
    .sort((a, b) => a.slot - b.slot);
}

describe('ScheduleStore', () => {
  it('fires each slot once, as a pending task that names its schedule and slot', async () => {
    const { clock, queue, store, name } = fresh();
    const created = await store.create(definition(name, { cron: '*/10 * * * * *' }));
    expect(created).toMatchObject({ revision: 1, cursor: clock.now(), nextAt: clock.now() + 10 * SECOND });
    expect((await queue.due()).scheduleAt).toBe(clock.now() + 10 * SECOND);

    clock.advance(9 * SECOND);
    expect((await store.fireDue(name)).created.size).toBe(0);
    clock.advance(SECOND);
    const { created: fired } = await store.fireDue(name);
    expect([...fired.values()].flat()).toHaveLength(1);
    expect(await firedTasks(queue)).toEqual([
      { id: [...fired.values()][0]![0], slot: Date.UTC(2026, 0, 1, 0, 0, 10), missed: 0 },
    ]);
    const task = (await queue.getTask([...fired.values()][0]![0]!))!;
    expect(task).toMatchObject({ status: 'pending', type: 'tick', payload: '{"n":1}', maxAttempts: 3 });
    expect(task.schedule).toEqual({ id: created.id, slot: Date.UTC(2026, 0, 1, 0, 0, 10), missed: 0 });
    expect(await store.get(created.id)).toMatchObject({
      cursor: Date.UTC(2026, 0, 1, 0, 0, 10),
      nextAt: Date.UTC(2026, 0, 1, 0, 0, 20),
      lastTaskId: task.id,
      lastSlot: Date.UTC(2026, 0, 1, 0, 0, 10),
      counts: { fired: 1, skippedOverlap: 0, skippedMisfire: 0, missedRunOnce: 0 },
    });
    // A second fire at the same instant finds nothing due.
    expect((await store.fireDue(name)).created.size).toBe(0);
  });

  it('counts slots from its creation: the first slot it fires is after its createdAt', async () => {
    // A clock that moves on each read, from just before a whole second: create reads the time more than once.
    let ms = Date.UTC(2026, 0, 1) - 1;
    const clock = { now: () => ms++ };
    const name = randomQueueName('sched');
    const store = new ScheduleStore(redis, clock);
    const created = await store.create(definition(name));
    expect(created.cursor).toBe(created.createdAt);
    ms = created.createdAt + 3 * SECOND;
    await store.fireDue(name);
    const slots = (await firedTasks(new Queue(redis, name, clock))).map((t) => t.slot);
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.every((slot) => slot > created.createdAt)).toBe(true);
  });

  it('turns each slot into exactly one task when two reapers fire at once, every step', async () => {
    const { clock, queue, name } = fresh();
    const a = new ScheduleStore(redis, clock);
    const b = new ScheduleStore(other, clock);
    await a.create(definition(name, { cron: '*/1 * * * * *' }));
    for (let step = 0; step < 30; step++) {
      // Steps of 0.5 to 2.5 s: some passes find one slot due, some two or three, some none.
      clock.advance(500 + ((step * 700) % 2000));
      await Promise.all([a.fireDue(name), b.fireDue(name), a.fireDue(name)]);
    }
    const slots = (await firedTasks(queue)).map((t) => t.slot);
    const start = Date.UTC(2026, 0, 1);
    const expected = Array.from(
      { length: Math.floor((clock.now() - start) / SECOND) },
      (_, i) => start + (i + 1) * SECOND,
    );
    expect(slots).toEqual(expected);
  });

  it('counts skipped slots once when two reapers fire at once, and says when more slots are due than one fire takes', async () => {
    const { clock, name } = fresh();
    const a = new ScheduleStore(redis, clock);
    const b = new ScheduleStore(other, clock);
    const { id } = await a.create(definition(name, { misfire: 'skip', misfireGraceMs: SECOND }));
    clock.advance(6 * SECOND); // slots 1..4 s are more than the grace late, 5 and 6 s are on time
    const [first, second] = await Promise.all([a.fireDue(name), b.fireDue(name)]);
    expect(first.misfireSkipped + second.misfireSkipped).toBe(4);
    expect((await a.get(id))!.counts).toMatchObject({ skippedMisfire: 4 });

    // A catch-up of more slots than one fire takes: the caller is told to call again, and does.
    const { id: catchUp } = await a.create(definition(name, { misfireGraceMs: 10 * MINUTE }));
    clock.advance(3 * MINUTE);
    const calls = [await a.fireDue(name)];
    while (calls.at(-1)!.more) calls.push(await a.fireDue(name));
    expect(calls.length).toBeGreaterThan(1);
    expect((await a.get(catchUp))!.counts.fired).toBe(3 * 60);
  });

  it("fires nothing for a reaper whose read is older than another reaper's fire (stalled past any timeout)", async () => {
    const { clock, queue, store, name } = fresh();
    const def = definition(name, { cron: '*/1 * * * * *' });
    await store.create(def);
    clock.advance(SECOND);
    const k = queueKeys(name);
    // Reaper A reads and plans (the read is what fire_schedules compares against)...
    const [, rows] = (await runScript(
      redis,
      'due_schedules',
      [k.schedules, k.schedulePrefix],
      [clock.now(), 10],
    )) as [number, string[]];
    // ...then stalls for an hour while reaper B fires everything due.
    clock.advance(HOUR);
    await new ScheduleStore(other, clock).fireDue(name);
    const before = (await firedTasks(queue)).length;
    const [id, rev, cursor] = rows;
    const stale = (await runScript(
      redis,
      'fire_schedules',
      [k.schedules, k.schedulePrefix, k.pendingPrefix, k.taskPrefix, k.meta, k.events],
      [
        clock.now(),
        k.wakeChannel,
        id!,
        rev!,
        cursor!,
        clock.now() - HOUR,
        clock.now() + SECOND,
        0,
        1,
        'LATEONE',
        clock.now() - HOUR,
        0,
      ],
    )) as [string, string][];
    expect(stale.map(([, code]) => code)).toEqual(['stale']);
    expect((await firedTasks(queue)).length).toBe(before);
  });

  it('misfire "skip": slots missed by more than the grace do not run; the next on-time slot does', async () => {
    const { clock, queue, store, name } = fresh();
    const { id } = await store.create(
      definition(name, { cron: '0 * * * *', misfire: 'skip', misfireGraceMs: 5 * MINUTE }),
    );
    clock.advance(5 * HOUR + 2 * MINUTE); // no reaper for 5 h: 01:00 .. 04:00 are missed, 05:00 is 2 min late
    await store.fireDue(name);
    expect((await firedTasks(queue)).map((t) => [t.slot, t.missed])).toEqual([[Date.UTC(2026, 0, 1, 5), 0]]);
    expect((await store.get(id))!.counts).toMatchObject({ fired: 1, skippedMisfire: 4 });
    clock.advance(HOUR);
    await store.fireDue(name);
    expect((await firedTasks(queue)).map((t) => t.slot)).toEqual([
      Date.UTC(2026, 0, 1, 5),
      Date.UTC(2026, 0, 1, 6),
    ]);
  });

  it('misfire "run-once": one task stands for all the missed slots', async () => {
    const { clock, queue, store, name } = fresh();
    const { id } = await store.create(
      definition(name, { cron: '0 * * * *', misfire: 'run-once', misfireGraceMs: 5 * MINUTE }),
    );
    clock.advance(5 * HOUR + 58 * MINUTE); // 01:00 .. 05:00 missed
    await store.fireDue(name);
    expect((await firedTasks(queue)).map((t) => [t.slot, t.missed])).toEqual([[Date.UTC(2026, 0, 1, 1), 5]]);
    expect((await store.get(id))!.counts).toMatchObject({ fired: 1, skippedMisfire: 0, missedRunOnce: 5 });
    clock.advance(4 * MINUTE); // 06:00 is 2 min late: on time
    await store.fireDue(name);
    expect((await firedTasks(queue)).map((t) => [t.slot, t.missed])).toEqual([
      [Date.UTC(2026, 0, 1, 1), 5],
      [Date.UTC(2026, 0, 1, 6), 0],
    ]);
  });

  it('overlap "skip": a slot does not fire while the previous task is unfinished', async () => {
    const { clock, queue, store, name } = fresh();
    const { id } = await store.create(definition(name, { cron: '*/10 * * * * *', overlap: 'skip' }));
    clock.advance(10 * SECOND);
    await store.fireDue(name);
    const [first] = (await queue.claim(1, 60 * SECOND)).tasks;
    clock.advance(10 * SECOND); // the first task runs: this slot is skipped
    await store.fireDue(name);
    expect((await store.get(id))!.counts).toMatchObject({ fired: 1, skippedOverlap: 1 });
    await queue.complete([first!]);
    clock.advance(10 * SECOND);
    await store.fireDue(name);
    expect((await store.get(id))!.counts).toMatchObject({ fired: 2, skippedOverlap: 1 });
    expect((await firedTasks(queue)).map((t) => t.slot)).toEqual([Date.UTC(2026, 0, 1, 0, 0, 30)]);
  });

  it('pauses and resumes: slots of the pause never fire, firing goes on from the resume', async () => {
    const { clock, queue, store, name } = fresh();
    const { id } = await store.create(definition(name, { cron: '0 * * * *' }));
    await store.update(id, { paused: true });
    expect(await store.get(id)).toMatchObject({ paused: true, nextAt: null, revision: 2 });
    expect((await queue.due()).scheduleAt).toBeNull();
    clock.advance(3 * HOUR + 30 * MINUTE);
    await store.fireDue(name);
    await store.update(id, { paused: false });
    expect(await store.get(id)).toMatchObject({ paused: false, nextAt: Date.UTC(2026, 0, 1, 4) });
    clock.advance(30 * MINUTE + 30 * SECOND); // 04:00 is 30 s late: on time
    await store.fireDue(name);
    expect((await firedTasks(queue)).map((t) => t.slot)).toEqual([Date.UTC(2026, 0, 1, 4)]);
  });

  it('changes the cron from now on, and keeps the task template in step', async () => {
    const { clock, queue, store, name } = fresh();
    const { id } = await store.create(definition(name, { cron: '0 0 * * *' }));
    clock.advance(30 * MINUTE);
    const changed = await store.update(id, {
      cron: '*/15 * * * *',
      task: { type: 'report', payload: '"x"', priority: 7, maxAttempts: 1, timeoutMs: 5000 },
    });
    expect(changed).toMatchObject({ cron: '*/15 * * * *', nextAt: Date.UTC(2026, 0, 1, 0, 45), revision: 2 });
    clock.advance(15 * MINUTE);
    await store.fireDue(name);
    const [task] = await firedTasks(queue);
    expect(await queue.getTask(task!.id)).toMatchObject({
      type: 'report',
      payload: '"x"',
      priority: 7,
      maxAttempts: 1,
      timeoutMs: 5000,
    });
    await expect(store.update(id, { cron: 'nope' })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('keeps ids unique across queues, refuses past the most schedules, and deletes', async () => {
    const { store, name } = fresh();
    const def = definition(name);
    await store.create(def);
    await expect(store.create({ ...def, queue: randomQueueName('sched') })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining(`already exists (queue ${name})`),
    });
    await expect(store.create(def)).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.list(name)).map((s) => s.id)).toEqual([def.id]);
    const count = Object.keys(await redis.hgetall('tq:schedules')).length;
    await expect(store.create(definition(name), count)).rejects.toMatchObject({ code: 'schedule_limit' });
    await store.delete(def.id);
    expect(await store.get(def.id)).toBeNull();
    await expect(store.delete(def.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await redis.exists(queueKeys(name).schedules)).toBe(0);
  });

  it('keeps a queue with schedules from removal, and registers the queue a schedule targets', async () => {
    const { queue, store, name } = fresh();
    const def = definition(name);
    await store.create(def);
    expect(await redis.sismember('tq:queues', name)).toBe(1);
    expect((await queue.remove('idle')).code).toBe('schedules');
    expect((await queue.remove('delete')).code).toBe('schedules');
    expect(await redis.sismember('tq:queues', name)).toBe(1);
    await store.delete(def.id);
    expect((await queue.remove('delete')).code).toBe('removed');
  });

  it('fires tasks that take part in the state machine like any other', async () => {
    const { clock, queue, store, name } = fresh();
    await store.create(definition(name, { cron: '*/1 * * * * *' }));
    clock.advance(5 * SECOND);
    const { created } = await store.fireDue(name);
    const fired = [...created.values()].flat();
    expect(fired).toHaveLength(5);
    await expectConsistent(queue, fired);
    const { tasks } = await queue.claim(5, 1000);
    await queue.complete(tasks);
    expect(Object.values(await expectConsistent(queue, fired))).toEqual(Array(5).fill('done'));
  });

  it('fires tasks in the stored format it is given: 2 (compact) by default, 1 during a rolling upgrade; both read alike', async () => {
    const { clock, queue, store, name } = fresh();
    const formatOne = new ScheduleStore(redis, clock, 1);
    const three = await store.create(definition(name, { cron: '*/10 * * * * *' })); // maxAttempts 3
    const five = await store.create(
      definition(name, {
        cron: '*/10 * * * * *',
        task: { type: 'tick', payload: '{"n":5}', priority: 0, maxAttempts: 5 },
      }),
    );
    clock.advance(10 * SECOND);
    const compact = [...(await store.fireDue(name)).created.values()].flat();
    clock.advance(10 * SECOND);
    const full = [...(await formatOne.fireDue(name)).created.values()].flat();
    expect([compact.length, full.length]).toEqual([2, 2]);
    const stored = async (id: string) =>
      redis.hgetall(`${queue.keys.taskPrefix}${id.slice(name.length + 1)}`);
    const slot = String(Date.UTC(2026, 0, 1, 0, 0, 10));
    const created = String(clock.now() - 10 * SECOND);
    // Format 2 (ADR 0045): a 20-character id, one-letter names, no status while pending, no m at 5.
    expect(compact.map((id) => id.length - name.length - 1)).toEqual([20, 20]);
    const compactHashes = await Promise.all(compact.map(stored));
    expect(compactHashes).toEqual(
      expect.arrayContaining([
        { t: 'tick', p: '{"n":1}', c: created, m: '3', schedule: three.id, slot },
        { t: 'tick', p: '{"n":5}', c: created, schedule: five.id, slot },
      ]),
    );
    // Format 1: a ULID and the full names, as releases before ADR 0045 read them.
    expect(full.map((id) => id.length - name.length - 1)).toEqual([26, 26]);
    expect(await stored(full[0]!)).toMatchObject({
      type: 'tick',
      maxAttempts: expect.any(String),
      status: 'pending',
    });
    // Read alike through the API's path, and each takes part in the state machine.
    for (const id of [...compact, ...full]) {
      const task = (await queue.getTask(id))!;
      expect(task).toMatchObject({ id, status: 'pending', type: 'tick' });
      expect([3, 5]).toContain(task.maxAttempts);
      expect(task.schedule?.id).toBe(task.payload === '{"n":1}' ? three.id : five.id);
    }
    const all = [...compact, ...full];
    const { tasks } = await queue.claim(4, 1000);
    expect(tasks.map((t) => t.id).sort()).toEqual([...all].sort());
    await queue.complete(tasks);
    expect(Object.values(await expectConsistent(queue, all))).toEqual(Array(4).fill('done'));
  });

  it('overlap "skip" sees a pending task of either format as unfinished', async () => {
    for (const format of [2, 1] as const) {
      const { clock, queue, name } = fresh();
      const store = new ScheduleStore(redis, clock, format);
      const { id } = await store.create(definition(name, { cron: '*/10 * * * * *', overlap: 'skip' }));
      clock.advance(10 * SECOND);
      expect([...(await store.fireDue(name)).created.values()].flat()).toHaveLength(1);
      clock.advance(10 * SECOND);
      await store.fireDue(name);
      expect((await firedTasks(queue)).length).toBe(1);
      expect((await store.get(id))!.counts).toMatchObject({ fired: 1, skippedOverlap: 1 });
    }
  });

  describe('across DST changes in Europe/Paris, with a fake clock', () => {
    const localDay = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
    const localTime = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' });

    // 2026-03-29 02:00 CET -> 03:00 CEST, and 2026-10-25 03:00 CEST -> 02:00 CET.
    it.each([
      ['spring forward', '2026-03-27T12:00:00Z', ['2026-03-28', '2026-03-29', '2026-03-30'], 23],
      ['fall back', '2026-10-23T12:00:00Z', ['2026-10-24', '2026-10-25', '2026-10-26'], 25],
    ] as const)(
      '%s: a daily 02:30 runs once each day, an hourly schedule once each real hour',
      async (_, from, days, hours) => {
        const { clock, queue, store, name } = fresh(Date.parse(from));
        const base = { timezone: 'Europe/Paris', misfireGraceMs: 10 * MINUTE };
        const daily = await store.create(definition(name, { ...base, cron: '30 2 * * *' }));
        const hourly = await store.create(definition(name, { ...base, cron: '0 * * * *' }));
        const during = await store.create(definition(name, { ...base, cron: '*/30 2 * * *' }));
        // Three days in steps of 7 minutes, firing after each step, as a reaper would.
        const end = Date.parse(from) + 3 * 24 * HOUR;
        while (clock.now() < end) {
          clock.advance(7 * MINUTE);
          await store.fireDue(name);
        }
        const tasks = await Promise.all(
          (await firedTasks(queue)).map(async (t) => ({
            ...t,
            schedule: (await queue.getTask(t.id))!.schedule!.id,
          })),
        );
        const of = (id: string) => tasks.filter((t) => t.schedule === id).map((t) => t.slot);
        // No slot twice, none missed by the misfire policy.
        expect(tasks.every((t) => t.missed === 0)).toBe(true);
        for (const id of [daily.id, hourly.id, during.id]) expect(new Set(of(id)).size).toBe(of(id).length);

        const change = days[1];
        expect(of(daily.id).map(localDay)).toEqual(days);
        const dailyOnChange = of(daily.id)
          .filter((t) => localDay(t) === change)
          .map(localTime);
        expect(dailyOnChange).toEqual([change.startsWith('2026-03') ? '03:30:00' : '02:30:00']);

        // Hourly: every real hour of the three days, the changing day holding 23 or 25 of them.
        const h = of(hourly.id);
        expect(h.slice(1).map((t, i) => t - h[i]!)).toEqual(Array(h.length - 1).fill(HOUR));
        expect(h.filter((t) => localDay(t) === change)).toHaveLength(hours);

        // Every half hour of the 2 o'clock hour, once each: on the spring day, as late as the clock jumped.
        const d = of(during.id)
          .filter((t) => localDay(t) === change)
          .map(localTime);
        expect(d).toEqual(change.startsWith('2026-03') ? ['03:00:00', '03:30:00'] : ['02:00:00', '02:30:00']);
      },
    );
  });
});
